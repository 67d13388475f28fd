import NeuralEngine

extension TrainableResNet {
    /// Logits of a batch (NCHW [N, 3, H, W]), BatchNorm in inference mode.
    public func logits(_ x: [Float], n: Int, height: Int, width: Int) -> [Float] {
        forward(x, n: n, height: height, width: width).logits
    }

    /// Mean BCE loss of the batch; adds its gradient to `store.grads` (zero them first).
    /// Returns ∂loss/∂x as well when `inputGradient`.
    @discardableResult
    public func lossAndGradients(_ x: [Float], labels: [Float], height: Int, width: Int,
                                 inputGradient: Bool = false) -> (loss: Double, logits: [Float], input: [Float]?) {
        let n = labels.count
        let pass = forward(x, n: n, height: height, width: width)
        let (loss, dz) = BCEWithLogits.lossAndGradient(logits: pass.logits, labels: labels)
        let gx = backward(pass, dLogits: dz, inputGradient: inputGradient)
        return (loss, pass.logits, gx)
    }

    /// One optimisation step on a batch: zero grads, forward, backward, Adam. Returns the loss.
    @discardableResult
    public func trainStep(_ x: [Float], labels: [Float], height: Int, width: Int, optimizer: Adam) -> Double {
        store.zeroGradients()
        let loss = lossAndGradients(x, labels: labels, height: height, width: width).loss
        optimizer.update(store)
        return loss
    }
}
