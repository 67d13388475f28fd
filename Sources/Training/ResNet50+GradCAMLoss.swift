import Models
import NeuralEngine

/// The map `CAMLesionLoss` reads the model's evidence from.
public enum CAMLossMap: String, Codable, Sendable, CaseIterable {
    /// Layer4's class activation map (7×7 for a 224² input): the head's own evidence, exact.
    case layer4
    /// The pipeline's multi-scale Grad-CAM maps, layer3's (14×14) and layer2's (28×28), the
    /// ones `analyze` fuses into the heat map and the Corona score: the loss is the mean of the
    /// two maps' shares outside the lesion.
    case gradCAM = "grad-cam"
    /// `gradCAM`'s share outside the lesion plus, on the same two maps, how far the lesion's
    /// cells fall short of the map's peak (`CAMLesionLoss.coverageLossAndGradient`): the share
    /// alone is met by a map that peaks on a few lesion cells, while the Corona score counts
    /// only cells near the peak at both scales, so it needs the map flat-topped over the lesion.
    case gradCAMCover = "grad-cam-cover"

    /// Whether the term reads the Grad-CAM maps of layer3 and layer2 (it then needs them trained).
    public var readsGradCAM: Bool { self != .layer4 }
}

/// Grad-CAM weights α_k = mean_hw ∂logit/∂A_k per image, for layer3's and layer2's outputs
/// ([image][channel], images in batch order; empty for images without a mask).
public struct GradCAMWeights {
    public var layer3: [[Float]], layer2: [[Float]]
}

extension ResNet50 {
    /// λ/N · Σ over masked images of ½ (share outside the lesion of layer3's Grad-CAM + that of
    /// layer2's), with cam = Σ_k α_k A_k as `classify` computes it (`GradCAMMath`, before its ReLU and min-max
    /// scaling, which the share does not need: it applies the ReLU and ignores scale), times the
    /// map's number of cells: α is a mean over the cells, so the map then sums to about the
    /// logit times its cells, as layer4's CAM does, and `CAMLesionLoss.epsilon` means the same.
    ///
    /// α is held constant (a stop-gradient): with BatchNorm frozen, everything above A is
    /// piecewise linear in A, so α does not change with the stages below A and the gradient is
    /// exact there; for the stages above it, α's own dependence on their weights is ignored.
    /// Returns the loss, each masked image's mean share, ∂loss/∂A by layer (0-based 2 = layer3,
    /// 1 = layer2; [C][N][H·W], for `backward`'s `adding`) and the α used. `weights` replaces
    /// the α computed here (tests hold it fixed across passes).
    /// With `coverWeight` μ > 0, each map's term also holds μ × `CAMLesionLoss.coverageLossAndGradient`
    /// (the shares returned stay the outside shares alone). Without `gradients`, the ∂loss/∂A arrays
    /// are not built (validation).
    func gradCAMLoss(_ pass: Tape, masks: [[Bool]?], weight: Double, coverWeight: Double = 0, gradients: Bool = true,
                     weights given: GradCAMWeights? = nil)
        -> (loss: Double, shares: [Double?], added: [Int: [Float]], weights: GradCAMWeights) {
        let n = pass.n
        precondition(masks.count == n, "one lesion mask (or nil) per image")
        var shares = [Double?](repeating: nil, count: n)
        let masked = masks.indices.filter { masks[$0] != nil }
        var alphas = given ?? GradCAMWeights(layer3: Array(repeating: [], count: n), layer2: Array(repeating: [], count: n))
        guard !masked.isEmpty else { return (0, shares, [:], alphas) }
        if given == nil {
            // ∂logit/∂A for the masked images, [C][P][H·W] (P = masked.count); α is its mean.
            let (g3, g2) = gradCAMBackward(pass, images: masked)
            for (layer, g) in [(2, g3), (1, g2)] {
                let b = pass.lastBlock(ofLayer: layer), plane = b.outH * b.outW, c = layer == 2 ? layer3Channels : layer2Channels
                for (j, i) in masked.enumerated() {
                    let a = GradCAMMath.alpha(gradients: g + j * plane, channels: c, plane: plane, channelStride: masked.count * plane)
                    if layer == 2 { alphas.layer3[i] = a } else { alphas.layer2[i] = a }
                }
            }
        }
        let scale = Float(weight / Double(n)) / 2
        var loss = 0.0
        var added: [Int: [Float]] = [:]
        for layer in [2, 1] {
            let b = pass.lastBlock(ofLayer: layer), plane = b.outH * b.outW, c = layer == 2 ? layer3Channels : layer2Channels
            var d = [Float](repeating: 0, count: gradients ? c * n * plane : 0)
            for i in masked {
                let alpha = (layer == 2 ? alphas.layer3[i] : alphas.layer2[i]).map { $0 * Float(plane) }
                let cam = GradCAMMath.weightedSum(activations: b.out + i * plane, alpha: alpha, plane: plane, channelStride: n * plane)
                let fractions = CAMLesionLoss.lesionFractions(masks[i]!, side: pass.height, rows: b.outH, columns: b.outW)
                var (l, dCAM) = CAMLesionLoss.lossAndGradient(cam: cam, outside: fractions.map { $0 == 0 })
                shares[i] = (shares[i] ?? 0) + l / 2
                if coverWeight > 0 {
                    let coverage = CAMLesionLoss.coverageLossAndGradient(cam: cam, fractions: fractions)
                    l += coverWeight * coverage.loss
                    for p in 0..<plane { dCAM[p] += Float(coverWeight) * coverage.gradient[p] }
                }
                loss += weight * l / Double(n) / 2
                guard gradients else { continue }
                for k in 0..<c {
                    let base = (k * n + i) * plane
                    for p in 0..<plane { d[base + p] = scale * alpha[k] * dCAM[p] }   // ∂/∂A_k(p) = α_k ∂L/∂cam(p)
                }
            }
            if gradients { added[layer] = d }
        }
        return (loss, shares, added, alphas)
    }
}
