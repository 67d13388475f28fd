import Dispatch
import NeuralEngine

/// The forward pass, keeping what the backward pass needs, and the backward pass. Buffers are
/// in the engine's planes layout [C][N][H][W] (see `Conv2D`), held in a workspace under one
/// key per tensor, so steady batches allocate nothing.
extension ResNet50 {
    /// How each conv+BN runs: folded (running statistics: inference, frozen fine-tuning) or
    /// normalised by the batch's statistics, moving the running ones by `momentum`.
    package enum Normalisation {
        case folded(FoldedNetwork)
        case batchStatistics(momentum: Double)
    }

    /// What one forward pass leaves for the backward pass.
    package struct Tape {
        package struct Block {
            let layer: Int
            let input: UnsafeMutablePointer<Float>
            let t1: UnsafeMutablePointer<Float>, t2: UnsafeMutablePointer<Float>
            package let out: UnsafeMutablePointer<Float>
            let inH: Int, inW: Int
            package let outH: Int, outW: Int
            /// The convolutions the forward ran: folded, or plain with their norms' tapes.
            let conv1: Conv2D, conv2: Conv2D, conv3: Conv2D, downsample: Conv2D?
            let norm1: BatchStatistics.Tape?, norm2: BatchStatistics.Tape?, norm3: BatchStatistics.Tape?
            let normDownsample: BatchStatistics.Tape?
        }
        package let n: Int, height: Int, width: Int
        let workspace: Workspace
        /// Blocks of layers before this one (0-based) were run in reused buffers: the
        /// backward pass cannot go through them.
        let firstKeptLayer: Int
        let input: UnsafeMutablePointer<Float>
        let stem: Conv2D
        let stemNorm: BatchStatistics.Tape?
        let stemOut: UnsafeMutablePointer<Float>
        let stemH: Int, stemW: Int
        package var blocks: [Block] = []
        package var finalH = 0, finalW = 0
        package var pooled: [Float] = []   // [N][C]
        package var logits: [Float] = []   // [N]

        /// The last block of layer `l` (0-based).
        package func lastBlock(ofLayer l: Int) -> Block { blocks.last { $0.layer == l }! }
        /// Layer4's output, [C][N][H·W].
        package var top: UnsafeMutablePointer<Float> { blocks.last!.out }
    }

    /// Runs the batch x (NCHW [N, 3, H, W]) through the network. Layers from `firstKeptLayer`
    /// (0-based) on keep every activation for the backward pass; earlier ones reuse two
    /// buffers (inference's Grad-CAM goes back to layer3 only; training keeps all).
    package func forward(_ x: UnsafePointer<Float>, n: Int, height: Int, width: Int, normalisation: Normalisation,
                         firstKeptLayer: Int = 0, workspace ws: Workspace) -> Tape {
        let s = store
        let input = ws.buffer("input", count: 3 * n * height * width)
        Elementwise.swapLeadingAxes(x, a: n, b: 3, plane: height * width, into: input)
        var (h, w) = stem.outputSize(height: height, width: width)
        let stemOut = ws.buffer("stem", count: stem.outChannels * n * h * w)
        let stemConv: Conv2D, stemNorm: BatchStatistics.Tape?
        switch normalisation {
        case .folded(let f):
            f.stem.forward(input, n: n, height: height, width: width, into: stemOut, biasReLU: true, workspace: ws)
            (stemConv, stemNorm) = (f.stem, nil)
        case .batchStatistics(let momentum):
            (stemConv, stemNorm) = stem.forwardNormalising(input, n: n, height: height, width: width, store: s, policy: convolutionPolicy, momentum: momentum,
                                                           key: "z.stem", into: stemOut, relu: true, workspace: ws)
        }
        var tape = Tape(n: n, height: height, width: width, workspace: ws, firstKeptLayer: firstKeptLayer, input: input,
                        stem: stemConv, stemNorm: stemNorm, stemOut: stemOut, stemH: h, stemW: w)
        let ph = Pooling.maxPoolOutput(h), pw = Pooling.maxPoolOutput(w)
        var cur = ws.buffer("pool", count: stem.outChannels * n * ph * pw)
        Pooling.maxPool(stemOut, planes: stem.outChannels * n, height: h, width: w, into: cur)
        (h, w) = (ph, pw)
        var ping = false
        for (l, blocks) in layers.enumerated() {
            for (b, blk) in blocks.enumerated() {
                let keep = l >= firstKeptLayer
                let key = keep ? "\(l).\(b)." : ""
                let (oh, ow) = blk.conv2.outputSize(height: h, width: w)
                let t1 = ws.buffer(key + "t1", count: blk.conv1.outChannels * n * h * w)
                let t2 = ws.buffer(key + "t2", count: blk.conv2.outChannels * n * oh * ow)
                let out = ws.buffer(keep ? key + "out" : (ping ? "x.b" : "x.a"), count: blk.conv3.outChannels * n * oh * ow)
                ping.toggle()
                let record: Tape.Block
                switch normalisation {
                case .folded(let f):
                    let fb = f.blocks[l][b]
                    fb.conv1.forward(cur, n: n, height: h, width: w, into: t1, biasReLU: true, workspace: ws)
                    fb.conv2.forward(t1, n: n, height: h, width: w, into: t2, biasReLU: true, workspace: ws)
                    fb.conv3.forward(t2, n: n, height: oh, width: ow, into: out, workspace: ws)
                    if let ds = fb.downsample {
                        ds.forward(cur, n: n, height: h, width: w, into: out, accumulate: true, workspace: ws)
                        Elementwise.biasActivate(out, bias: fb.outputBias, channels: fb.conv3.outChannels, plane: n * oh * ow, relu: true)
                    } else {
                        Elementwise.biasActivate(out, bias: fb.outputBias, channels: fb.conv3.outChannels, plane: n * oh * ow,
                                                 residual: cur, relu: true)
                    }
                    record = .init(layer: l, input: cur, t1: t1, t2: t2, out: out, inH: h, inW: w, outH: oh, outW: ow,
                                   conv1: fb.conv1, conv2: fb.conv2, conv3: fb.conv3, downsample: fb.downsample,
                                   norm1: nil, norm2: nil, norm3: nil, normDownsample: nil)
                case .batchStatistics(let m):
                    let (c1, n1) = blk.conv1.forwardNormalising(cur, n: n, height: h, width: w, store: s, policy: convolutionPolicy, momentum: m,
                                                                key: key + "z1", into: t1, relu: true, workspace: ws)
                    let (c2, n2) = blk.conv2.forwardNormalising(t1, n: n, height: h, width: w, store: s, policy: convolutionPolicy, momentum: m,
                                                                key: key + "z2", into: t2, relu: true, workspace: ws)
                    let (c3, n3) = blk.conv3.forwardNormalising(t2, n: n, height: oh, width: ow, store: s, policy: convolutionPolicy, momentum: m,
                                                                key: key + "z3", into: out,
                                                                residual: blk.downsample == nil ? cur : nil,
                                                                relu: blk.downsample == nil, workspace: ws)
                    let d = blk.downsample.map {
                        $0.forwardNormalising(cur, n: n, height: h, width: w, store: s, policy: convolutionPolicy, momentum: m, key: key + "zd",
                                              into: out, accumulate: true, relu: true, workspace: ws)
                    }
                    record = .init(layer: l, input: cur, t1: t1, t2: t2, out: out, inH: h, inW: w, outH: oh, outW: ow,
                                   conv1: c1, conv2: c2, conv3: c3, downsample: d?.conv,
                                   norm1: n1, norm2: n2, norm3: n3, normDownsample: d?.norm)
                }
                tape.blocks.append(record)
                cur = out
                (h, w) = (oh, ow)
            }
        }
        let c = featureCount
        var planes = [Float](repeating: 0, count: c * n)
        Pooling.globalAverage(cur, planes: c * n, plane: h * w, into: &planes)
        var pooled = [Float](repeating: 0, count: n * c)
        for ch in 0..<c { for i in 0..<n { pooled[i * c + ch] = planes[ch * n + i] } }
        var logits = [Float](repeating: 0, count: n)
        head().forward(pooled, n: n, into: &logits)
        (tape.finalH, tape.finalW, tape.pooled, tape.logits) = (h, w, pooled, logits)
        return tape
    }

    /// Walks the blocks back from g = ∂loss/∂(layer4's output) ([C][P][H·W] in the tape's
    /// workspace) down to the first block of layer `lastLayer` (0-based) and returns
    /// ∂loss/∂(that block's input).
    /// - `images`: nil for the whole batch; else the gradient is for these images of the batch
    ///   only (P = images.count; activation gradients, no parameter gradients).
    /// - `parameterGradients`: add every walked conv+BN's parameter gradients to the store.
    /// - `keepingInputGradientOfLayers`: layers whose input gradient is also copied out (it is
    ///   overwritten in place as the walk goes on), returned by layer.
    /// - `adding`: further ∂loss/∂(layer L's output) by layer L (0-based; [C][N][H·W], whole
    ///   batch), added where the walk reaches that output (a loss on inner feature maps).
    package func backward(_ tape: Tape, gradient g0: UnsafeMutablePointer<Float>, images: [Int]? = nil,
                          parameterGradients: Bool, downToLayer lastLayer: Int,
                          keepingInputGradientOfLayers kept: Set<Int> = [], adding injections: [Int: [Float]] = [:])
        -> (gradient: UnsafeMutablePointer<Float>, kept: [Int: UnsafeMutablePointer<Float>]) {
        precondition(lastLayer >= tape.firstKeptLayer, "the forward pass did not keep layer \(lastLayer)'s activations")
        precondition(images == nil || !parameterGradients, "parameter gradients need the whole batch")
        let ws = tape.workspace, n = tape.n, p = images?.count ?? n, s = store
        func reluBackward(_ g: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, channels: Int, plane: Int) {
            if let images {
                Elementwise.reluBackward(g, output: output, channels: channels, n: n, plane: plane, images: images)
            } else {
                Elementwise.reluBackward(g, output: output, count: channels * n * plane)
            }
        }
        /// ∂/∂(conv output) from ∂/∂(BN output), adding parameter gradients when asked for.
        func throughNorm(_ param: ConvBN, _ conv: Conv2D, _ norm: BatchStatistics.Tape?, input: UnsafePointer<Float>,
                         _ g: UnsafeMutablePointer<Float>, h: Int, w: Int, key: String) -> UnsafeMutablePointer<Float> {
            guard parameterGradients else { return g }
            let t0 = DispatchTime.now().uptimeNanoseconds
            defer { phaseSeconds["weight gradients", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9 }
            return param.backward(g, conv: conv, norm: norm, input: input, n: n, height: h, width: w, store: s, key: key,
                                  workspace: ws)
        }
        var g = g0
        var keptGradients: [Int: UnsafeMutablePointer<Float>] = [:]
        var useB = true
        let params = layers.flatMap { $0 }
        for (i, t) in tape.blocks.enumerated().reversed() where t.layer >= lastLayer {
            let blk = params[i]
            let inPlane = t.inH * t.inW, outPlane = t.outH * t.outW
            if let extra = injections[t.layer], i == tape.blocks.count - 1 || tape.blocks[i + 1].layer != t.layer {
                precondition(images == nil && extra.count == t.conv3.outChannels * n * outPlane, "layer \(t.layer)'s added gradient")
                extra.withUnsafeBufferPointer { Elementwise.add(g, $0.baseAddress!, count: extra.count) }
            }
            reluBackward(g, output: t.out, channels: t.conv3.outChannels, plane: outPlane)
            let gZ3 = throughNorm(blk.conv3, t.conv3, t.norm3, input: t.t2, g, h: t.outH, w: t.outW, key: "g.z3")
            let gT2 = ws.buffer("g.t2", count: t.conv2.outChannels * p * outPlane)
            t.conv3.backwardInput(gZ3, n: p, height: t.outH, width: t.outW, into: gT2, workspace: ws)
            reluBackward(gT2, output: t.t2, channels: t.conv2.outChannels, plane: outPlane)
            let gZ2 = throughNorm(blk.conv2, t.conv2, t.norm2, input: t.t1, gT2, h: t.inH, w: t.inW, key: "g.z2")
            let gT1 = ws.buffer("g.t1", count: t.conv1.outChannels * p * inPlane)
            t.conv2.backwardInput(gZ2, n: p, height: t.inH, width: t.inW, into: gT1, workspace: ws)
            reluBackward(gT1, output: t.t1, channels: t.conv1.outChannels, plane: inPlane)
            let gZ1 = throughNorm(blk.conv1, t.conv1, t.norm1, input: t.input, gT1, h: t.inH, w: t.inW, key: "g.z1")
            // The block input's gradient; kept apart from g while the shortcut still reads g.
            let gIn = ws.buffer(useB ? "g.b" : "g.a", count: t.conv1.inChannels * p * inPlane)
            useB.toggle()
            t.conv1.backwardInput(gZ1, n: p, height: t.inH, width: t.inW, into: gIn, workspace: ws)
            if let ds = t.downsample, let dsParam = blk.downsample {
                let gZd = throughNorm(dsParam, ds, t.normDownsample, input: t.input, g, h: t.inH, w: t.inW, key: "g.zd")
                ds.backwardInput(gZd, n: p, height: t.inH, width: t.inW, into: gIn, accumulate: true, workspace: ws)
            } else {
                Elementwise.add(gIn, g, count: t.conv1.inChannels * p * inPlane)
            }
            g = gIn
            if kept.contains(t.layer), i == 0 || tape.blocks[i - 1].layer != t.layer {
                let count = t.conv1.inChannels * p * inPlane
                let copy = ws.buffer("g.input.\(t.layer)", count: count)
                copy.update(from: gIn, count: count)
                keptGradients[t.layer] = copy
            }
        }
        return (g, keptGradients)
    }

    /// From g = ∂loss/∂(layer1's input) on: the max pool, the stem's ReLU and conv+BN
    /// (adding their parameter gradients); returns ∂loss/∂x (NCHW) when `inputGradient`.
    package func backwardStem(_ tape: Tape, gradient g: UnsafeMutablePointer<Float>, inputGradient: Bool) -> [Float]? {
        let ws = tape.workspace, n = tape.n
        let sc = tape.stem.outChannels, sh = tape.stemH, sw = tape.stemW
        let gStem = ws.buffer("g.stem", count: sc * n * sh * sw)
        Pooling.maxPoolBackward(tape.stemOut, g, planes: sc * n, height: sh, width: sw, into: gStem)
        Elementwise.reluBackward(gStem, output: tape.stemOut, count: sc * n * sh * sw)
        let gZs = stem.backward(gStem, conv: tape.stem, norm: tape.stemNorm, input: tape.input, n: n, height: tape.height,
                                width: tape.width, store: store, key: "g.zs", workspace: ws)
        guard inputGradient else { return nil }
        let plane = tape.height * tape.width
        let gx = ws.buffer("g.x", count: 3 * n * plane)
        tape.stem.backwardInput(gZs, n: n, height: tape.height, width: tape.width, into: gx, workspace: ws)
        var out = [Float](repeating: 0, count: 3 * n * plane)
        out.withUnsafeMutableBufferPointer { Elementwise.swapLeadingAxes(gx, a: 3, b: n, plane: plane, into: $0.baseAddress!) }
        return out
    }
}
