import NeuralEngine

/// A conv (no bias) followed by BatchNorm, in one of two modes.
///
/// Frozen statistics (inference mode, the default while fine-tuning): trained through its
/// folded form. The forward pass then runs the engine's tuned inference convolution
/// (W' = W·s, b' = β − μ·s, s = γ/√(σ²+ε)) unchanged, and the gradients of the unfolded
/// parameters follow exactly by the chain rule from the folded ones (dW', db'):
///   dW[o,i] = dW'[o,i]·s[o]
///   ds[o]   = Σ_i dW'[o,i]·W[o,i] − μ[o]·db'[o],   dγ[o] = ds[o]/√(σ²+ε),   dβ[o] = db'[o]
///
/// Batch statistics (training mode): the plain convolution, then `BatchStatistics`; the
/// running statistics follow the batches' as in torch (momentum, unbiased variance).
struct ConvBN {
    let weight: Int, gamma: Int, beta: Int  // indices into the ParameterStore
    let meanName: String, varianceName: String  // running statistics, in `store.frozen`
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    static let eps = 1e-5

    func mean(_ s: ParameterStore) -> [Float] { s.frozen[meanName]!.data }
    func variance(_ s: ParameterStore) -> [Float] { s.frozen[varianceName]!.data }

    /// The folded convolution for the current parameter values.
    func folded(_ s: ParameterStore) -> Conv2D {
        Conv2D.foldingBatchNorm(weight: s.values[weight], inChannels: inChannels, outChannels: outChannels,
                                kernel: kernel, stride: stride, padding: padding,
                                gamma: s.values[gamma], beta: s.values[beta], mean: mean(s), variance: variance(s),
                                eps: Self.eps)
    }

    func outputSize(height h: Int, width w: Int) -> (height: Int, width: Int) {
        Conv2D.outputSize(height: h, width: w, kernel: kernel, stride: stride, padding: padding)
    }

    /// The convolution alone (batch-statistics mode).
    func plain(_ s: ParameterStore) -> Conv2D {
        Conv2D(weight: s.values[weight], inChannels: inChannels, outChannels: outChannels,
               kernel: kernel, stride: stride, padding: padding)
    }

    /// Adds the unfolded parameters' gradients given the folded ones.
    func accumulate(foldedWeightGrad dWf: UnsafePointer<Float>, foldedBiasGrad dBf: UnsafePointer<Float>,
                    into s: ParameterStore) {
        let per = inChannels * kernel * kernel
        let mean = mean(s), variance = variance(s)
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

    /// running ← (1 − momentum)·running + momentum·batch, the variance unbiased (× M/(M−1)).
    func updateRunning(_ s: ParameterStore, batchMean: [Double], batchVariance: [Double], count m: Int,
                       momentum: Double) {
        let unbias = m > 1 ? Double(m) / Double(m - 1) : 1
        var mu = mean(s), v = variance(s)
        for c in 0..<outChannels {
            mu[c] = Float((1 - momentum) * Double(mu[c]) + momentum * batchMean[c])
            v[c] = Float((1 - momentum) * Double(v[c]) + momentum * batchVariance[c] * unbias)
        }
        s.frozen[meanName] = Tensor(shape: [outChannels], data: mu)
        s.frozen[varianceName] = Tensor(shape: [outChannels], data: v)
    }
}
