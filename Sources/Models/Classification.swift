import Foundation
import NeuralEngine

/// Multi-scale Grad-CAM of one slice (definitions: DESIGN.md method step 4 and the fixtures'
/// README). Maps are row-major; "28" is the layer2 scale, "14" the layer3 scale (for a
/// 224×224 input).
public struct GradCAMResult: Sendable {
    public var alpha28: [Float], alpha14: [Float]
    public var cam28Raw: [Float], cam14Raw: [Float]
    public var cam28: [Float], cam14: [Float]
    public var cam28Up: [Float], cam14Up: [Float]
    /// cam14Up · cam28Up, not re-normalised.
    public var fused: [Float]
    /// Side of the native maps (28 and 14 for a 224 input) and of the upsampled ones.
    public var size28: Int, size14: Int, inputSize: Int
    /// A and ∂logit/∂A, [C][H·W], only when asked for (`keepActivations`).
    public var layer2Out: [Float]?, layer3Out: [Float]?
    public var gradLayer2Out: [Float]?, gradLayer3Out: [Float]?
}

/// The classifier's result for one slice.
public struct SliceClassification: Sendable {
    public var logit: Float
    /// sigmoid(logit) = P(abnormal).
    public var probability: Float
    /// Global-average-pooled layer4 features.
    public var pooled: [Float]
    public var gradCAM: GradCAMResult?
}

extension ResNet50 {
    /// Classifies a batch of normalised slices, NCHW [N, 3, H, W] with H and W multiples of 32
    /// (224 in use), and computes Grad-CAM for the slices listed in `gradCAMFor` and for every
    /// slice whose probability is at least `gradCAMThreshold` (decided after the forward pass,
    /// whose saved activations the backward pass reuses). `keepActivations` also returns A and
    /// ∂logit/∂A at both scales.
    public func classify(_ input: Tensor, gradCAMFor: [Int] = [], gradCAMThreshold: Float? = nil,
                         keepActivations: Bool = false) throws -> [SliceClassification] {
        guard input.shape.count == 4, input.shape[0] >= 1, input.shape[1] == 3,
              input.shape[2] >= 32, input.shape[3] >= 32, input.shape[2] % 32 == 0, input.shape[3] % 32 == 0 else {
            throw ModelError("classifier input has shape \(input.shape), expected [N, 3, H, W] with H, W multiples of 32")
        }
        let n = input.shape[0], height = input.shape[2], width = input.shape[3]
        if let bad = gradCAMFor.first(where: { $0 < 0 || $0 >= n }) {
            throw ModelError("Grad-CAM requested for slice \(bad) of a batch of \(n)")
        }
        // The batch runs as `batchParts` parts, side by side on 2 threads (no hand-offs inside
        // a layer) or in turn on 1. The split depends on the batch size only: BLAS results
        // depend on how a product is partitioned, and the thread count must not change them.
        let parts = min(batchParts, n)
        reserveWorkspaces(parts)
        let wss = workspaces
        let convs = Normalisation.folded(inferenceConvolutions())
        let bounds = (0...parts).map { n * $0 / parts }
        let inputPlane = 3 * height * width
        // Grad-CAM goes back to layer3's input: layers 1 and 2 run in reused buffers.
        var partial = [Tape?](repeating: nil, count: parts)
        input.data.withUnsafeBufferPointer { x in
            partial.withUnsafeMutableBufferPointer { out in
                EngineThreads.concurrently(parts) { p in
                    out[p] = forward(x.baseAddress! + bounds[p] * inputPlane, n: bounds[p + 1] - bounds[p],
                                     height: height, width: width, normalisation: convs, firstKeptLayer: 2, workspace: wss[p])
                }
            }
        }
        let states = partial.map { $0! }
        let logits = states.flatMap(\.logits)
        var wanted = Set(gradCAMFor)
        if let t = gradCAMThreshold {
            for i in 0..<n where Self.sigmoid(logits[i]) >= t { wanted.insert(i) }
        }
        let c = featureCount
        var results = (0..<parts).flatMap { p in
            (0..<states[p].n).map { i in
                SliceClassification(logit: states[p].logits[i], probability: Self.sigmoid(states[p].logits[i]),
                                    pooled: Array(states[p].pooled[(i * c)..<((i + 1) * c)]), gradCAM: nil)
            }
        }
        guard !wanted.isEmpty else { return results }
        // Wanted slices by part, as indices within the part.
        var local = [[Int]](repeating: [], count: parts)
        for img in wanted.sorted() {
            let p = (0..<parts).last { bounds[$0] <= img }!
            local[p].append(img - bounds[p])
        }
        var partialGrads = [(gradLayer3: UnsafeMutablePointer<Float>, gradLayer2: UnsafeMutablePointer<Float>)?](repeating: nil, count: parts)
        let counts = local.map(\.count)
        // Each part's wanted slices in one backward pass: the parts side by side when each
        // has some, else the busy part with every thread. The choice depends on the wanted
        // slices only, so the results do not depend on the thread count.
        partialGrads.withUnsafeMutableBufferPointer { out in
            if counts.allSatisfy({ $0 > 0 }) {
                EngineThreads.concurrently(parts) { p in out[p] = gradCAMBackward(states[p], images: local[p]) }
            } else {
                for p in 0..<parts where counts[p] > 0 { out[p] = gradCAMBackward(states[p], images: local[p]) }
            }
        }
        for p in 0..<parts where counts[p] > 0 {
            let st = states[p], (g3, g2) = partialGrads[p]!
            let l3 = st.lastBlock(ofLayer: 2)
            let h2 = l3.outH * 2, w2 = l3.outW * 2, h3 = l3.outH, w3 = l3.outW
            precondition(h2 == height / 8 && h3 == height / 16, "layer sizes")
            let k2 = layer2Channels, k3 = layer3Channels, np = counts[p]
            for (j, li) in local[p].enumerated() {
                let a2 = Self.slice(st.lastBlock(ofLayer: 1).out, channels: k2, n: st.n, plane: h2 * w2, image: li)
                let a3 = Self.slice(l3.out, channels: k3, n: st.n, plane: h3 * w3, image: li)
                let gr2 = Self.slice(g2, channels: k2, n: np, plane: h2 * w2, image: j)
                let gr3 = Self.slice(g3, channels: k3, n: np, plane: h3 * w3, image: j)
                let m2 = GradCAMMath.map(activations: a2, gradients: gr2, channels: k2, height: h2, width: w2, upsampleTo: height)
                let m3 = GradCAMMath.map(activations: a3, gradients: gr3, channels: k3, height: h3, width: w3, upsampleTo: height)
                precondition(height == width, "Grad-CAM maps are square")
                let fused = zip(m3.upsampled, m2.upsampled).map { $0 * $1 }
                results[bounds[p] + li].gradCAM = GradCAMResult(
                    alpha28: m2.alpha, alpha14: m3.alpha, cam28Raw: m2.raw, cam14Raw: m3.raw,
                    cam28: m2.normalised, cam14: m3.normalised, cam28Up: m2.upsampled, cam14Up: m3.upsampled,
                    fused: fused, size28: h2, size14: h3, inputSize: height,
                    layer2Out: keepActivations ? a2 : nil, layer3Out: keepActivations ? a3 : nil,
                    gradLayer2Out: keepActivations ? gr2 : nil, gradLayer3Out: keepActivations ? gr3 : nil)
            }
        }
        return results
    }

    /// ∂logit/∂A for A = layer3's output and layer2's output, for the images `images` of the
    /// part, as [C][P][H·W] buffers (P = images.count) in the tape's workspace.
    package func gradCAMBackward(_ tape: Tape, images: [Int]) -> (gradLayer3: UnsafeMutablePointer<Float>, gradLayer2: UnsafeMutablePointer<Float>) {
        // logit = fc(mean_hw(A4)): ∂/∂A4[c][p][hw] = fc.w[c] / HW.
        let c = featureCount, p = images.count, plane = tape.finalH * tape.finalW
        let fcWeights = store.values[fcWeight]
        var planes = [Float](repeating: 0, count: c * p)
        for ch in 0..<c { for j in 0..<p { planes[ch * p + j] = fcWeights[ch] } }
        let g = tape.workspace.buffer("g.a", count: c * p * plane)
        Pooling.globalAverageBackward(planes, planes: c * p, plane: plane, into: g)
        let (gradLayer2, kept) = backward(tape, gradient: g, images: images, parameterGradients: false, downToLayer: 2,
                                          keepingInputGradientOfLayers: [3])
        return (kept[3]!, gradLayer2)
    }

    static func sigmoid(_ x: Float) -> Float { Float(1 / (1 + exp(-Double(x)))) }

    /// Image `image` of a [C][N][plane] buffer, as [C][plane].
    static func slice(_ buf: UnsafePointer<Float>, channels: Int, n: Int, plane: Int, image: Int) -> [Float] {
        var out = [Float](repeating: 0, count: channels * plane)
        out.withUnsafeMutableBufferPointer { o in
            for ch in 0..<channels {
                (o.baseAddress! + ch * plane).update(from: buf + (ch * n + image) * plane, count: plane)
            }
        }
        return out
    }
}
