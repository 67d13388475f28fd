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
package struct ConvBN: Sendable {
    package let weight: Int, gamma: Int, beta: Int  // indices into the ParameterStore
    let meanName: String, varianceName: String  // running statistics, in `store.frozen`
    package let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    package static let eps = 1e-5

    func mean(_ s: ParameterStore) -> [Float] { s.frozen[meanName]!.data }
    func variance(_ s: ParameterStore) -> [Float] { s.frozen[varianceName]!.data }

    /// The folded convolution for the current parameter values. `alreadyFolded`: the store
    /// holds W' and b' themselves (an inference model, see `ResNet50.foldedForInference`),
    /// whose buffers the convolution then shares.
    func folded(_ s: ParameterStore, policy: ConvolutionPolicy = .standard, alreadyFolded: Bool = false) -> Conv2D {
        if alreadyFolded {
            var conv = Conv2D(weight: s.values[weight], bias: s.values[beta], inChannels: inChannels, outChannels: outChannels,
                              kernel: kernel, stride: stride, padding: padding)
            conv.policy = policy
            return conv
        }
        var conv = Conv2D.foldingBatchNorm(weight: s.values[weight], inChannels: inChannels, outChannels: outChannels,
                                kernel: kernel, stride: stride, padding: padding,
                                gamma: s.values[gamma], beta: s.values[beta], mean: mean(s), variance: variance(s),
                                eps: Self.eps)
        conv.policy = policy
        return conv
    }

    func outputSize(height h: Int, width w: Int) -> (height: Int, width: Int) {
        Conv2D.outputSize(height: h, width: w, kernel: kernel, stride: stride, padding: padding)
    }

    /// The convolution alone (batch-statistics mode).
    func plain(_ s: ParameterStore, policy: ConvolutionPolicy = .standard) -> Conv2D {
        var conv = Conv2D(weight: s.values[weight], inChannels: inChannels, outChannels: outChannels,
                          kernel: kernel, stride: stride, padding: padding)
        conv.policy = policy
        return conv
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

extension ConvBN {
    /// Batch-statistics forward: z = conv(x) in the workspace buffer `key`, normalised in place
    /// to x̂, then y = γ·x̂ + β (+ y when `accumulate`) (+ `residual`), ReLU'd when `relu`.
    /// Moves the running statistics by `momentum`. Returns the plain conv and the norm's tape.
    func forwardNormalising(_ x: UnsafePointer<Float>, n: Int, height h: Int, width w: Int, store s: ParameterStore,
                            policy: ConvolutionPolicy, momentum: Double, key: String, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false,
                            residual: UnsafePointer<Float>? = nil, relu: Bool, workspace ws: Workspace)
        -> (conv: Conv2D, norm: BatchStatistics.Tape) {
        let conv = plain(s, policy: policy)
        let (oh, ow) = conv.outputSize(height: h, width: w)
        let m = n * oh * ow
        let z = ws.buffer(key, count: outChannels * m)
        conv.forward(x, n: n, height: h, width: w, into: z, workspace: ws)
        let (tape, mean, variance) = BatchStatistics.normalise(z, channels: outChannels, count: m, eps: Self.eps)
        updateRunning(s, batchMean: mean, batchVariance: variance, count: m, momentum: momentum)
        BatchStatistics.scaleShift(tape, gamma: s.values[gamma], beta: s.values[beta], channels: outChannels,
                                   count: m, into: y, accumulate: accumulate, residual: residual, relu: relu)
        return (conv, tape)
    }

    /// The backward of one conv+BN given g = ∂loss/∂(its BN output), `conv` being the folded
    /// conv the forward ran (norm nil) or the plain one (norm = its batch-statistics tape):
    /// adds the parameter gradients to the store and returns ∂loss/∂(conv output), from which
    /// the conv's input gradient follows: g itself when folded, the BatchNorm backward of g (in
    /// the workspace buffer `key`) with batch statistics.
    func backward(_ g: UnsafeMutablePointer<Float>, conv: Conv2D, norm: BatchStatistics.Tape?, input: UnsafePointer<Float>,
                  n: Int, height h: Int, width w: Int, store s: ParameterStore, key: String,
                  workspace ws: Workspace) -> UnsafeMutablePointer<Float> {
        guard let norm else {
            let (dW, dB) = Self.weightGradients(conv, input: input, grad: g, n: n, h: h, w: w, workspace: ws)
            accumulate(foldedWeightGrad: dW, foldedBiasGrad: dB, into: s)
            return g
        }
        let (oh, ow) = conv.outputSize(height: h, width: w)
        let m = n * oh * ow
        let dz = ws.buffer(key, count: outChannels * m)
        var dGamma = s.grads[gamma], dBeta = s.grads[beta]
        BatchStatistics.backward(g, tape: norm, gamma: s.values[gamma], channels: outChannels, count: m,
                                 into: dz, dGamma: &dGamma, dBeta: &dBeta)
        s.grads[gamma] = dGamma
        s.grads[beta] = dBeta
        let (dW, _) = Self.weightGradients(conv, input: input, grad: dz, n: n, h: h, w: w, workspace: ws)
        s.grads[weight].withUnsafeMutableBufferPointer { gw in
            for i in 0..<gw.count { gw[i] += dW[i] }
        }
        return dz
    }

    /// The weight and bias gradients of `conv` alone (folded or plain), in workspace buffers.
    static func weightGradients(_ conv: Conv2D, input: UnsafePointer<Float>, grad: UnsafePointer<Float>,
                                n: Int, h: Int, w: Int, workspace ws: Workspace)
        -> (weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>) {
        let count = conv.weight.count
        let dW = ws.buffer("g.convW", count: count), dB = ws.buffer("g.convB", count: conv.outChannels)
        dW.update(repeating: 0, count: count)
        dB.update(repeating: 0, count: conv.outChannels)
        conv.backwardWeights(input, grad, n: n, height: h, width: w, dW: dW, dB: dB, workspace: ws)
        return (dW, dB)
    }
}
