import Foundation
import NeuralEngine

/// ResNet-50 v1.5 (torchvision layout: blocks [3, 4, 6, 3], stride on the 3×3 conv, a
/// downsample in every block 0) with a single-logit head, BatchNorm folded for inference.
/// Widths and block counts are read from the weights, so narrow variants and the deeper
/// ResNet-101/152 (e.g. a deflated CT backbone used whole) load too.
///
/// Activations live in a per-instance `Workspace` in the engine's planes layout
/// [C][N][H][W] (see `Conv2D`). layer1/layer2 reuse ping-pong buffers; layer3/layer4 keep
/// every ReLU output of the batch, because Grad-CAM's backward pass needs their masks and
/// re-running the forward would double its cost.
///
/// A batch is split into `batchParts` parts, each run through the whole network on its own
/// thread (when there are threads) with its own workspace (`classify`).
///
/// Not thread-safe: use one instance per thread. Thread count is process-wide (OpenBLAS).
public final class ResNet50 {
    public static let blockCounts = [3, 4, 6, 3]
    /// Parts a batch of two or more slices is split into (see `classify`). Not derived from
    /// the thread count, so that results do not depend on it.
    nonisolated(unsafe) public static var batchParts = 2

    public let stem: Conv2D
    public let layers: [[Bottleneck]]
    public let fc: Linear
    /// One scratch workspace per batch part (see `classify`).
    private(set) var workspaces: [Workspace] = [Workspace()]

    /// Channels of the layer2 / layer3 outputs (Grad-CAM targets) and of the pooled features.
    public var layer2Channels: Int { layers[1].last!.outChannels }
    public var layer3Channels: Int { layers[2].last!.outChannels }
    public var featureCount: Int { fc.inFeatures }

    public convenience init(path: String) throws {
        try self.init(weights: SafetensorsFile(path: path))
    }

    public init(weights: SafetensorsFile) throws {
        let loader = ResNetLoader(file: weights)
        stem = try loader.convBN("conv1", "bn1", inChannels: 3, kernel: 7, stride: 2, padding: 3)
        var channels = stem.outChannels
        var layers: [[Bottleneck]] = []
        for (l, count) in Self.blockCounts(in: weights).enumerated() {
            var blocks: [Bottleneck] = []
            for b in 0..<count {
                let stride = (l > 0 && b == 0) ? 2 : 1
                let block = try loader.block("layer\(l + 1).\(b)", inChannels: channels, stride: stride, hasDownsample: b == 0)
                channels = block.outChannels
                blocks.append(block)
            }
            layers.append(blocks)
        }
        self.layers = layers
        let fcw = try weights.tensor("fc.weight", shape: [1, channels])
        let fcb = try weights.tensor("fc.bias", shape: [1])
        fc = Linear(weight: fcw.data, bias: fcb.data, inFeatures: channels, outFeatures: 1)
    }

    /// Blocks per stage as the file has them (`layerL.B.conv1.weight` for B = 0, 1, …); a
    /// stage with none counts as one, so that a missing block 0 is reported by name.
    static func blockCounts(in file: SafetensorsFile) -> [Int] {
        (1...4).map { l in
            var n = 0
            while file.contains("layer\(l).\(n).conv1.weight") { n += 1 }
            return max(n, 1)
        }
    }

    /// Bytes of scratch memory currently held by this instance.
    public var workspaceBytes: Int { workspaces.reduce(0) { $0 + $1.byteCount } }

    /// Makes sure there are `parts` workspaces (before running parts concurrently).
    func reserveWorkspaces(_ parts: Int) {
        while workspaces.count < parts { workspaces.append(Workspace()) }
    }

    // MARK: forward

    /// Where the forward pass left what backward and Grad-CAM need.
    struct ForwardState {
        let n: Int
        let height: Int, width: Int  // input size
        let workspace: Workspace
        let layer2Out: UnsafeMutablePointer<Float>
        let layer4Out: UnsafeMutablePointer<Float>
        /// Saved ReLU outputs of layer3/layer4 blocks, [layer-2][block]: (t1, t2, out, inHW, outHW).
        var saved: [[(t1: UnsafeMutablePointer<Float>, t2: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                      inH: Int, inW: Int, outH: Int, outW: Int)]]
        var pooled: [Float]  // [N][C]
        var logits: [Float]  // [N]
    }

    /// Runs the batch x (NCHW [N,3,H,W]) through the network.
    func forward(_ x: UnsafePointer<Float>, n: Int, height: Int, width: Int, workspace ws: Workspace) -> ForwardState {
        let input = ws.buffer("input", count: 3 * n * height * width)
        Elementwise.swapLeadingAxes(x, a: n, b: 3, plane: height * width, into: input)
        var (h, w) = stem.outputSize(height: height, width: width)
        let stemOut = ws.buffer("stem", count: stem.outChannels * n * h * w)
        stem.forward(input, n: n, height: height, width: width, into: stemOut, biasReLU: true, workspace: ws)
        let ph = Pooling.maxPoolOutput(h), pw = Pooling.maxPoolOutput(w)
        var cur = ws.buffer("pool", count: stem.outChannels * n * ph * pw)
        Pooling.maxPool(stemOut, planes: stem.outChannels * n, height: h, width: w, into: cur)
        (h, w) = (ph, pw)

        var layer2Out = cur
        var saved: [[(t1: UnsafeMutablePointer<Float>, t2: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                      inH: Int, inW: Int, outH: Int, outW: Int)]] = [[], []]
        var ping = false
        for (l, blocks) in layers.enumerated() {
            for (b, blk) in blocks.enumerated() {
                let keep = l >= 2
                let key = keep ? "layer\(l + 1).\(b)." : ""
                let (oh, ow) = blk.conv2.outputSize(height: h, width: w)
                let t1 = ws.buffer(key + "t1", count: blk.width * n * h * w)
                let t2 = ws.buffer(key + "t2", count: blk.width * n * oh * ow)
                let out = ws.buffer(keep ? key + "out" : (ping ? "x.b" : "x.a"), count: blk.outChannels * n * oh * ow)
                ping.toggle()
                blk.conv1.forward(cur, n: n, height: h, width: w, into: t1, biasReLU: true, workspace: ws)
                blk.conv2.forward(t1, n: n, height: h, width: w, into: t2, biasReLU: true, workspace: ws)
                blk.conv3.forward(t2, n: n, height: oh, width: ow, into: out, workspace: ws)
                if let ds = blk.downsample {
                    ds.forward(cur, n: n, height: h, width: w, into: out, accumulate: true, workspace: ws)
                    Elementwise.biasActivate(out, bias: blk.outputBias, channels: blk.outChannels, plane: n * oh * ow, relu: true)
                } else {
                    Elementwise.biasActivate(out, bias: blk.outputBias, channels: blk.outChannels, plane: n * oh * ow,
                                             residual: cur, relu: true)
                }
                if keep { saved[l - 2].append((t1, t2, out, h, w, oh, ow)) }
                cur = out
                (h, w) = (oh, ow)
            }
            if l == 1 { layer2Out = cur }
        }
        let c = featureCount
        var pooledPlanes = [Float](repeating: 0, count: c * n)
        Pooling.globalAverage(cur, planes: c * n, plane: h * w, into: &pooledPlanes)
        var pooled = [Float](repeating: 0, count: n * c)
        for ch in 0..<c { for i in 0..<n { pooled[i * c + ch] = pooledPlanes[ch * n + i] } }
        var logits = [Float](repeating: 0, count: n)
        fc.forward(pooled, n: n, into: &logits)
        return ForwardState(n: n, height: height, width: width, workspace: ws, layer2Out: layer2Out, layer4Out: cur,
                            saved: saved, pooled: pooled, logits: logits)
    }

    // MARK: backward (activations only)

    /// ∂logit/∂A for A = layer3 output and layer2 output, for the images `images` of the
    /// batch, as [C][P][HW] buffers (P = images.count) in the workspace.
    func backward(_ st: ForwardState, images: [Int]) -> (gradLayer3: UnsafeMutablePointer<Float>, gradLayer2: UnsafeMutablePointer<Float>) {
        let ws = st.workspace
        let p = images.count
        let c = featureCount
        let last = st.saved[1].last!
        // logit = fc(mean_hw(A4)): ∂/∂A4[c][p][hw] = fc.w[c] / HW.
        let plane4 = last.outH * last.outW
        var g = ws.buffer("g.a", count: c * p * plane4)
        var gPlanes = [Float](repeating: 0, count: c * p)
        for ch in 0..<c { for j in 0..<p { gPlanes[ch * p + j] = fc.weight[ch] } }
        Pooling.globalAverageBackward(gPlanes, planes: c * p, plane: plane4, into: g)
        var gradLayer3 = g
        var useB = true
        for l in [3, 2] {
            for b in stride(from: layers[l].count - 1, through: 0, by: -1) {
                let blk = layers[l][b]
                let s = st.saved[l - 2][b]
                let inPlane = s.inH * s.inW, outPlane = s.outH * s.outW
                Elementwise.reluBackward(g, output: s.out, channels: blk.outChannels, n: st.n, plane: outPlane, images: images)
                let gT2 = ws.buffer("g.t2", count: blk.width * p * outPlane)
                blk.conv3.backwardInput(g, n: p, height: s.outH, width: s.outW, into: gT2, workspace: ws)
                Elementwise.reluBackward(gT2, output: s.t2, channels: blk.width, n: st.n, plane: outPlane, images: images)
                let gT1 = ws.buffer("g.t1", count: blk.width * p * inPlane)
                blk.conv2.backwardInput(gT2, n: p, height: s.inH, width: s.inW, into: gT1, workspace: ws)
                Elementwise.reluBackward(gT1, output: s.t1, channels: blk.width, n: st.n, plane: inPlane, images: images)
                // The block input's gradient; kept apart from g while the shortcut still reads g.
                let key = (l == 3 && b == 0) ? "g.layer3" : (useB ? "g.b" : "g.a")
                useB.toggle()
                let gIn = ws.buffer(key, count: blk.inChannels * p * inPlane)
                blk.conv1.backwardInput(gT1, n: p, height: s.inH, width: s.inW, into: gIn, workspace: ws)
                if let ds = blk.downsample {
                    ds.backwardInput(g, n: p, height: s.inH, width: s.inW, into: gIn, accumulate: true, workspace: ws)
                } else {
                    Elementwise.add(gIn, g, count: blk.inChannels * p * inPlane)
                }
                g = gIn
                if l == 3 && b == 0 {
                    // Copy: layer3.5's ReLU mask is applied to g in place next.
                    gradLayer3 = ws.buffer("g.layer3.keep", count: blk.inChannels * p * inPlane)
                    gradLayer3.update(from: gIn, count: blk.inChannels * p * inPlane)
                }
            }
        }
        return (gradLayer3, g)
    }
}
