import Dispatch
import NeuralEngine

/// Forward with every activation kept, and the full backward pass (weights and input).
/// Buffers are in the engine's planes layout [C][N][H][W] (see `Conv2D`), held in the
/// instance's workspace under one key per tensor, so steady batches allocate nothing.
extension TrainableResNet {
    /// What one forward pass leaves for the backward pass.
    struct Pass {
        struct BlockTape {
            let input: UnsafeMutablePointer<Float>
            let t1: UnsafeMutablePointer<Float>, t2: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
            let inH: Int, inW: Int, outH: Int, outW: Int
            let conv1: Conv2D, conv2: Conv2D, conv3: Conv2D, downsample: Conv2D?
            /// With batch statistics: the convs above are the plain ones, these their norms.
            var norm1: BatchStatistics.Tape?, norm2: BatchStatistics.Tape?, norm3: BatchStatistics.Tape?
            var normDownsample: BatchStatistics.Tape?
        }
        let n: Int, height: Int, width: Int
        let input: UnsafeMutablePointer<Float>
        let stem: Conv2D
        var stemNorm: BatchStatistics.Tape?
        let stemOut: UnsafeMutablePointer<Float>
        let stemH: Int, stemW: Int
        var blocks: [BlockTape] = []
        var finalH = 0, finalW = 0
        var pooled: [Float] = []   // [N][C]
        var logits: [Float] = []   // [N]
    }

    /// Logits of the batch x (NCHW [N, 3, H, W], H and W ≥ 32), keeping the tape. With
    /// `training` and `batchNormMomentum` set, BatchNorm uses the batch's statistics.
    func forward(_ x: [Float], n: Int, height: Int, width: Int, training: Bool = false) -> Pass {
        if training, let momentum = batchNormMomentum {
            return forwardWithBatchStatistics(x, n: n, height: height, width: width, momentum: momentum)
        }
        precondition(x.count == n * 3 * height * width, "input size")
        let ws = workspace, s = store
        let input = ws.buffer("in", count: 3 * n * height * width)
        x.withUnsafeBufferPointer { Elementwise.swapLeadingAxes($0.baseAddress!, a: n, b: 3, plane: height * width, into: input) }
        let stemConv = stem.folded(s)
        var (h, w) = stemConv.outputSize(height: height, width: width)
        let stemOut = ws.buffer("stem", count: stemConv.outChannels * n * h * w)
        stemConv.forward(input, n: n, height: height, width: width, into: stemOut, biasReLU: true, workspace: ws)
        var pass = Pass(n: n, height: height, width: width, input: input, stem: stemConv, stemOut: stemOut, stemH: h, stemW: w)
        let ph = Pooling.maxPoolOutput(h), pw = Pooling.maxPoolOutput(w)
        var cur = ws.buffer("pool", count: stemConv.outChannels * n * ph * pw)
        Pooling.maxPool(stemOut, planes: stemConv.outChannels * n, height: h, width: w, into: cur)
        (h, w) = (ph, pw)
        for (l, blocks) in layers.enumerated() {
            for (b, blk) in blocks.enumerated() {
                let c1 = blk.conv1.folded(s), c2 = blk.conv2.folded(s), c3 = blk.conv3.folded(s)
                let ds = blk.downsample?.folded(s)
                let key = "\(l).\(b)."
                let (oh, ow) = c2.outputSize(height: h, width: w)
                let t1 = ws.buffer(key + "t1", count: c1.outChannels * n * h * w)
                let t2 = ws.buffer(key + "t2", count: c2.outChannels * n * oh * ow)
                let out = ws.buffer(key + "out", count: c3.outChannels * n * oh * ow)
                c1.forward(cur, n: n, height: h, width: w, into: t1, biasReLU: true, workspace: ws)
                c2.forward(t1, n: n, height: h, width: w, into: t2, biasReLU: true, workspace: ws)
                c3.forward(t2, n: n, height: oh, width: ow, into: out, workspace: ws)
                if let ds {
                    ds.forward(cur, n: n, height: h, width: w, into: out, accumulate: true, workspace: ws)
                    let bias = zip(c3.bias, ds.bias).map { $0 + $1 }
                    Elementwise.biasActivate(out, bias: bias, channels: c3.outChannels, plane: n * oh * ow, relu: true)
                } else {
                    Elementwise.biasActivate(out, bias: c3.bias, channels: c3.outChannels, plane: n * oh * ow,
                                             residual: cur, relu: true)
                }
                pass.blocks.append(.init(input: cur, t1: t1, t2: t2, out: out, inH: h, inW: w, outH: oh, outW: ow,
                                         conv1: c1, conv2: c2, conv3: c3, downsample: ds))
                cur = out
                (h, w) = (oh, ow)
            }
        }
        finishForward(&pass, top: cur, height: h, width: w)
        return pass
    }

    /// Global average pool and the fc head on the last layer's output.
    func finishForward(_ pass: inout Pass, top: UnsafePointer<Float>, height h: Int, width w: Int) {
        let c = featureCount, n = pass.n, s = store
        var planes = [Float](repeating: 0, count: c * n)
        Pooling.globalAverage(top, planes: c * n, plane: h * w, into: &planes)
        var pooled = [Float](repeating: 0, count: n * c)
        for ch in 0..<c { for i in 0..<n { pooled[i * c + ch] = planes[ch * n + i] } }
        var logits = [Float](repeating: 0, count: n)
        let fc = Linear(weight: s.values[fcWeight], bias: s.values[fcBias], inFeatures: c, outFeatures: 1)
        fc.forward(pooled, n: n, into: &logits)
        (pass.finalH, pass.finalW, pass.pooled, pass.logits) = (h, w, pooled, logits)
    }

    /// Adds ∂loss/∂θ for every parameter to `store.grads` given dlogits = ∂loss/∂logits and,
    /// optionally, dTop = a further ∂loss/∂(layer4's output) in planes layout (a loss on the
    /// feature maps themselves, e.g. `camLoss`); returns ∂loss/∂x (NCHW) when `inputGradient`.
    @discardableResult
    func backward(_ pass: Pass, dLogits: [Float], dTop: [Float]? = nil, inputGradient: Bool = false) -> [Float]? {
        let ws = workspace, n = pass.n, c = featureCount
        let fc = head()
        accumulateHeadGradients(pooled: pass.pooled, dLogits: dLogits, n: n)
        var dPooled = [Float](repeating: 0, count: n * c)
        fc.backwardInput(dLogits, n: n, into: &dPooled)
        var dPlanes = [Float](repeating: 0, count: c * n)
        for ch in 0..<c { for i in 0..<n { dPlanes[ch * n + i] = dPooled[i * c + ch] } }
        let finalPlane = pass.finalH * pass.finalW
        var g = ws.buffer("g.a", count: c * n * finalPlane)
        Pooling.globalAverageBackward(dPlanes, planes: c * n, plane: finalPlane, into: g)
        if let dTop {
            precondition(dTop.count == c * n * finalPlane, "dTop size")
            dTop.withUnsafeBufferPointer { Elementwise.add(g, $0.baseAddress!, count: c * n * finalPlane) }
        }
        var useB = true
        let params = layers.flatMap { $0 }
        let stageOfBlock = layers.enumerated().flatMap { l, blocks in blocks.map { _ in l + 1 } }
        // Held stages need no gradients; an input gradient needs the whole pass.
        let stopAt = inputGradient ? 0 : firstTrainedStage
        guard stopAt <= 4 else { return nil }
        for (i, t) in pass.blocks.enumerated().reversed() {
            if stageOfBlock[i] < stopAt { return nil }
            let blk = params[i]
            let inPlane = n * t.inH * t.inW, outPlane = n * t.outH * t.outW
            Elementwise.reluBackward(g, output: t.out, count: t.conv3.outChannels * outPlane)
            let gZ3 = throughNorm(blk.conv3, t.conv3, t.norm3, input: t.t2, grad: g, n: n, h: t.outH, w: t.outW, key: "g.z3")
            let gT2 = ws.buffer("g.t2", count: t.conv2.outChannels * outPlane)
            t.conv3.backwardInput(gZ3, n: n, height: t.outH, width: t.outW, into: gT2, workspace: ws)
            Elementwise.reluBackward(gT2, output: t.t2, count: t.conv2.outChannels * outPlane)
            let gZ2 = throughNorm(blk.conv2, t.conv2, t.norm2, input: t.t1, grad: gT2, n: n, h: t.inH, w: t.inW, key: "g.z2")
            let gT1 = ws.buffer("g.t1", count: t.conv1.outChannels * inPlane)
            t.conv2.backwardInput(gZ2, n: n, height: t.inH, width: t.inW, into: gT1, workspace: ws)
            Elementwise.reluBackward(gT1, output: t.t1, count: t.conv1.outChannels * inPlane)
            let gZ1 = throughNorm(blk.conv1, t.conv1, t.norm1, input: t.input, grad: gT1, n: n, h: t.inH, w: t.inW, key: "g.z1")
            let gIn = ws.buffer(useB ? "g.b" : "g.a", count: t.conv1.inChannels * inPlane)
            useB.toggle()
            t.conv1.backwardInput(gZ1, n: n, height: t.inH, width: t.inW, into: gIn, workspace: ws)
            if let ds = t.downsample, let dsp = blk.downsample {
                let gZd = throughNorm(dsp, ds, t.normDownsample, input: t.input, grad: g, n: n, h: t.inH, w: t.inW, key: "g.zd")
                ds.backwardInput(gZd, n: n, height: t.inH, width: t.inW, into: gIn, accumulate: true, workspace: ws)
            } else {
                Elementwise.add(gIn, g, count: t.conv1.inChannels * inPlane)
            }
            g = gIn
        }
        guard stopAt == 0 else { return nil }
        let sc = pass.stem.outChannels, sh = pass.stemH, sw = pass.stemW
        let gStem = ws.buffer("g.stem", count: sc * n * sh * sw)
        Pooling.maxPoolBackward(pass.stemOut, g, planes: sc * n, height: sh, width: sw, into: gStem)
        Elementwise.reluBackward(gStem, output: pass.stemOut, count: sc * n * sh * sw)
        let gZs = throughNorm(stem, pass.stem, pass.stemNorm, input: pass.input, grad: gStem, n: n, h: pass.height, w: pass.width,
                              key: "g.zs")
        guard inputGradient else { return nil }
        let plane = pass.height * pass.width
        let gx = ws.buffer("g.x", count: 3 * n * plane)
        pass.stem.backwardInput(gZs, n: n, height: pass.height, width: pass.width, into: gx, workspace: ws)
        var out = [Float](repeating: 0, count: 3 * n * plane)
        out.withUnsafeMutableBufferPointer { Elementwise.swapLeadingAxes(gx, a: 3, b: n, plane: plane, into: $0.baseAddress!) }
        return out
    }

    /// The parameter gradients of one conv+BN given g = ∂loss/∂(its BN output); returns
    /// ∂loss/∂(conv output) for the conv's input gradient: g itself for a folded conv, the
    /// BatchNorm backward of g (in the workspace buffer `key`) with batch statistics.
    private func throughNorm(_ p: ConvBN, _ conv: Conv2D, _ norm: BatchStatistics.Tape?, input: UnsafePointer<Float>,
                             grad g: UnsafeMutablePointer<Float>, n: Int, h: Int, w: Int, key: String) -> UnsafeMutablePointer<Float> {
        guard let norm else {
            let (dW, dB) = convWeights(conv, input: input, grad: g, n: n, h: h, w: w)
            p.accumulate(foldedWeightGrad: dW, foldedBiasGrad: dB, into: store)
            return g
        }
        let (oh, ow) = conv.outputSize(height: h, width: w)
        let m = n * oh * ow, s = store
        let dz = workspace.buffer(key, count: p.outChannels * m)
        var dGamma = s.grads[p.gamma], dBeta = s.grads[p.beta]
        BatchStatistics.backward(g, tape: norm, gamma: s.values[p.gamma], channels: p.outChannels, count: m,
                                 into: dz, dGamma: &dGamma, dBeta: &dBeta)
        s.grads[p.gamma] = dGamma
        s.grads[p.beta] = dBeta
        let (dW, _) = convWeights(conv, input: input, grad: dz, n: n, h: h, w: w)
        s.grads[p.weight].withUnsafeMutableBufferPointer { gw in
            for i in 0..<gw.count { gw[i] += dW[i] }
        }
        return dz
    }

    /// The weight and bias gradients of `conv` alone (folded or plain), in workspace buffers.
    private func convWeights(_ conv: Conv2D, input: UnsafePointer<Float>, grad: UnsafePointer<Float>,
                             n: Int, h: Int, w: Int) -> (weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>) {
        let ws = workspace, t0 = DispatchTime.now().uptimeNanoseconds
        defer { phaseSeconds["weight gradients", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9 }
        let count = conv.weight.count
        let dW = ws.buffer("g.convW", count: count), dB = ws.buffer("g.convB", count: conv.outChannels)
        dW.update(repeating: 0, count: count)
        dB.update(repeating: 0, count: conv.outChannels)
        conv.backwardWeights(input, grad, n: n, height: h, width: w, dW: dW, dB: dB, workspace: ws)
        return (dW, dB)
    }
}
