import Foundation

/// The lung U-Net's loss: binary cross-entropy on the logits plus the soft Dice loss
/// 1 − (2Σpy + ε)/(Σp + Σy + ε) of p = σ(logit), per image, averaged over the batch (BCE
/// alone lets the large background dominate; Dice alone gives weak gradients early).
public enum SegmentationLoss {
    public static let epsilon = 1.0

    /// `logits` and `labels` (0/1) of `images` equal-sized images; the gradient is ∂loss/∂logit.
    public static func lossAndGradient(logits: [Float], labels: [Float], images: Int) -> (loss: Double, bce: Double, dice: Double, gradient: [Float]) {
        precondition(logits.count == labels.count && images > 0 && logits.count % images == 0, "logits and labels")
        let (bce, bceGradient) = BCEWithLogits.lossAndGradient(logits: logits, labels: labels)
        let plane = logits.count / images
        var diceLoss = 0.0
        var gradient = bceGradient
        for n in 0..<images {
            let range = (n * plane)..<((n + 1) * plane)
            let p = range.map { BCEWithLogits.sigmoid(Double(logits[$0])) }
            let y = range.map { Double(labels[$0]) }
            let overlap = zip(p, y).reduce(0) { $0 + $1.0 * $1.1 }, total = p.reduce(0, +) + y.reduce(0, +)
            let numerator = 2 * overlap + epsilon, denominator = total + epsilon
            diceLoss += 1 - numerator / denominator
            for (j, i) in range.enumerated() {
                // ∂(1 − N/D)/∂p = −(2y·D − N)/D², times σ' = p(1 − p), averaged over images.
                let dp = -(2 * y[j] * denominator - numerator) / (denominator * denominator)
                gradient[i] += Float(dp * p[j] * (1 - p[j]) / Double(images))
            }
        }
        let dice = diceLoss / Double(images)
        return (bce + dice, bce, dice, gradient)
    }
}
