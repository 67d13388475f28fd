import Foundation

/// Binary cross-entropy on logits, averaged over the batch.
public enum BCEWithLogits {
    /// loss = mean_i [max(z,0) − z·y + log(1 + e^{−|z|})] (the stable form: no exp of a
    /// large positive number, no log of 0); ∂loss/∂z_i = (σ(z_i) − y_i) / N.
    public static func lossAndGradient(logits z: [Float], labels y: [Float]) -> (loss: Double, gradient: [Float]) {
        precondition(z.count == y.count && !z.isEmpty, "logits and labels")
        let n = Double(z.count)
        var loss = 0.0
        var grad = [Float](repeating: 0, count: z.count)
        for i in z.indices {
            let zi = Double(z[i]), yi = Double(y[i])
            loss += max(zi, 0) - zi * yi + log1p(exp(-abs(zi)))
            grad[i] = Float((sigmoid(zi) - yi) / n)
        }
        return (loss / n, grad)
    }

    /// σ(x) without overflow for large |x|.
    public static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }
}
