import Dispatch
import NeuralEngine

extension TrainableResNet {
    /// Logits of a batch (NCHW [N, 3, H, W]), BatchNorm in inference mode (running statistics).
    public func logits(_ x: [Float], n: Int, height: Int, width: Int) -> [Float] {
        forward(x, n: n, height: height, width: width).logits
    }

    /// Mean BCE loss of the batch; adds its gradient to `store.grads` (zero them first).
    /// A training pass: with `batchNormMomentum`, it normalises by the batch's statistics and
    /// moves the running ones.
    /// Returns ∂loss/∂x as well when `inputGradient`.
    @discardableResult
    public func lossAndGradients(_ x: [Float], labels: [Float], height: Int, width: Int,
                                 inputGradient: Bool = false) -> (loss: Double, logits: [Float], input: [Float]?) {
        let n = labels.count
        let t0 = DispatchTime.now().uptimeNanoseconds
        let pass = forward(x, n: n, height: height, width: width, training: true)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let (loss, dz) = BCEWithLogits.lossAndGradient(logits: pass.logits, labels: labels)
        let gx = backward(pass, dLogits: dz, inputGradient: inputGradient)
        let t2 = DispatchTime.now().uptimeNanoseconds
        phaseSeconds["forward", default: 0] += Double(t1 - t0) * 1e-9
        phaseSeconds["backward", default: 0] += Double(t2 - t1) * 1e-9
        return (loss, pass.logits, gx)
    }

    /// One optimisation step on a batch: zero grads, forward, backward, Adam. Returns the loss.
    @discardableResult
    public func trainStep(_ x: [Float], labels: [Float], height: Int, width: Int, optimizer: Adam) -> Double {
        store.zeroGradients()
        let loss = lossAndGradients(x, labels: labels, height: height, width: width).loss
        let t0 = DispatchTime.now().uptimeNanoseconds
        optimizer.update(store)
        phaseSeconds["adam", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        return loss
    }
}

extension TrainableResNet {
    /// Global-average-pooled layer4 features of a batch, [N][C] (BatchNorm in inference mode).
    public func pooledFeatures(_ x: [Float], n: Int, height: Int, width: Int) -> [Float] {
        forward(x, n: n, height: height, width: width).pooled
    }

    /// The fc head with the store's current weights.
    func head() -> Linear {
        Linear(weight: store.values[fcWeight], bias: store.values[fcBias], inFeatures: featureCount, outFeatures: 1)
    }

    /// Adds the head's weight and bias gradients for pooled features [N][C] and ∂loss/∂logits.
    func accumulateHeadGradients(pooled: [Float], dLogits: [Float], n: Int) {
        // Local copies: two overlapping mutable accesses to `grads` would be an exclusivity violation.
        var dW = store.grads[fcWeight], dB = store.grads[fcBias]
        head().backwardWeights(pooled, dLogits, n: n, dW: &dW, dB: &dB)
        store.grads[fcWeight] = dW
        store.grads[fcBias] = dB
    }

    /// The head's logits for pooled features [N][C].
    public func headLogits(_ pooled: [Float], n: Int) -> [Float] {
        let fc = head()
        var z = [Float](repeating: 0, count: n)
        pooled.withUnsafeBufferPointer { p in z.withUnsafeMutableBufferPointer { fc.forward(p.baseAddress!, n: n, into: $0.baseAddress!) } }
        return z
    }

    /// One optimisation step of the head alone on pooled features (a linear probe on a held
    /// backbone): BCE, its fc gradient, Adam. Returns the mean loss.
    @discardableResult
    public func headStep(_ pooled: [Float], labels: [Float], optimizer: Adam) -> Double {
        let n = labels.count
        store.zeroGradients()
        let z = headLogits(pooled, n: n)
        let (loss, dz) = BCEWithLogits.lossAndGradient(logits: z, labels: labels)
        accumulateHeadGradients(pooled: pooled, dLogits: dz, n: n)
        optimizer.update(store)
        return loss
    }
}
