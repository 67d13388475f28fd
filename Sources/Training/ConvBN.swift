import NeuralEngine

/// A conv (no bias) followed by eval-mode BatchNorm, trained through its folded form.
///
/// Why folded: the forward pass then runs the engine's tuned inference convolution
/// (W' = W·s, b' = β − μ·s, s = γ/√(σ²+ε)) unchanged, and the gradients of the unfolded
/// parameters follow exactly by the chain rule from the folded ones (dW', db'):
///   dW[o,i] = dW'[o,i]·s[o]
///   ds[o]   = Σ_i dW'[o,i]·W[o,i] − μ[o]·db'[o],   dγ[o] = ds[o]/√(σ²+ε),   dβ[o] = db'[o]
/// The running statistics μ, σ² stay frozen (BatchNorm in inference mode while fine-tuning).
struct ConvBN {
    let weight: Int, gamma: Int, beta: Int  // indices into the ParameterStore
    let mean: [Float], variance: [Float]
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    static let eps = 1e-5

    /// The folded convolution for the current parameter values.
    func folded(_ s: ParameterStore) -> Conv2D {
        Conv2D.foldingBatchNorm(weight: s.values[weight], inChannels: inChannels, outChannels: outChannels,
                                kernel: kernel, stride: stride, padding: padding,
                                gamma: s.values[gamma], beta: s.values[beta], mean: mean, variance: variance,
                                eps: Self.eps)
    }

    /// Adds the unfolded parameters' gradients given the folded ones.
    func accumulate(foldedWeightGrad dWf: UnsafePointer<Float>, foldedBiasGrad dBf: UnsafePointer<Float>,
                    into s: ParameterStore) {
        let per = inChannels * kernel * kernel
        for o in 0..<outChannels {
            let sd = (Double(variance[o]) + Self.eps).squareRoot()
            let scale = Double(s.values[gamma][o]) / sd
            var ds = -Double(mean[o]) * Double(dBf[o])
            s.values[weight].withUnsafeBufferPointer { w in
                s.grads[weight].withUnsafeMutableBufferPointer { g in
                    for i in 0..<per {
                        let k = o * per + i
                        ds += Double(dWf[k]) * Double(w[k])
                        g[k] += Float(Double(dWf[k]) * scale)
                    }
                }
            }
            s.grads[gamma][o] += Float(ds / sd)
            s.grads[beta][o] += dBf[o]
        }
    }
}
