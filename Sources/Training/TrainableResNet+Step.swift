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
