import Dispatch
import Models
import NeuralEngine

extension ResNet50 {
    /// Logits of a batch (NCHW [N, 3, H, W]), BatchNorm in inference mode (running statistics).
    public func logits(_ x: [Float], n: Int, height: Int, width: Int) -> [Float] {
        forward(x, n: n, height: height, width: width).logits
    }

    /// Logits of a batch (inference mode) and, for each image with a lesion mask (input side²,
    /// nil = none), the share of positive class-activation mass outside the lesion, as
    /// `CAMLesionLoss` measures it in training (for validation; nothing is trained).
    public func logitsAndCAMOutsideShares(_ x: [Float], n: Int, height: Int, width: Int,
                                          lesionMasks: [[Bool]?], map: CAMLossMap = .layer4) -> (logits: [Float], shares: [Double?]) {
        precondition(lesionMasks.count == n, "one lesion mask (or nil) per image")
        let pass = forward(x, n: n, height: height, width: width)
        if map.readsGradCAM { return (pass.logits, gradCAMLoss(pass, masks: lesionMasks, weight: 1, gradients: false).shares) }
        let shares = lesionMasks.enumerated().map { i, mask -> Double? in
            guard let mask else { return nil }
            precondition(height == width && mask.count == height * width, "lesion mask \(i) is not the input's size")
            let outside = CAMLesionLoss.outsideCells(mask, side: height, rows: pass.finalH, columns: pass.finalW)
            return CAMLesionLoss.lossAndGradient(cam: classActivationMap(pass, image: i), outside: outside).loss
        }
        return (pass.logits, shares)
    }

    /// Mean BCE loss of the batch; adds its gradient to `store.grads` (zero them first).
    /// A training pass: with `batchNormMomentum`, it normalises by the batch's statistics and
    /// moves the running ones.
    /// With `camWeight` λ > 0 and `lesionMasks` (one per image, input side², nil for an image
    /// without a known lesion), the loss is BCE + λ/N · Σ over masked images of
    /// `CAMLesionLoss` on layer4's class activation map (or, with `camMap` `.gradCAM` or `.gradCAMCover`, on the
    /// pipeline's Grad-CAM maps: `gradCAMLoss`); `camOutsideShares` holds that share per image
    /// (nil where no mask).
    /// Returns ∂loss/∂x as well when `inputGradient`.
    @discardableResult
    public func lossAndGradients(_ x: [Float], labels: [Float], height: Int, width: Int,
                                 lesionMasks: [[Bool]?]? = nil, camWeight: Double = 0, camMap: CAMLossMap = .layer4,
                                 camCoverWeight: Double = 1, inputGradient: Bool = false)
        -> (loss: Double, logits: [Float], input: [Float]?, camOutsideShares: [Double?]) {
        let n = labels.count
        store.allocateGradients()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let pass = forward(x, n: n, height: height, width: width, training: true)
        let t1 = DispatchTime.now().uptimeNanoseconds
        var (loss, dz) = BCEWithLogits.lossAndGradient(logits: pass.logits, labels: labels)
        var shares = [Double?](repeating: nil, count: n)
        var dTop: [Float]?
        var added: [Int: [Float]] = [:]
        if camWeight > 0, let masks = lesionMasks {
            precondition(masks.count == n, "one lesion mask (or nil) per image")
            precondition(height == width, "lesion masks are side² (square inputs)")
            switch camMap {
            case .layer4:
                let cam = camLoss(pass, masks: masks, weight: camWeight)
                (loss, shares, dTop) = (loss + cam.loss, cam.shares, cam.dTop)
            case .gradCAM, .gradCAMCover:
                let cam = gradCAMLoss(pass, masks: masks, weight: camWeight, coverWeight: camMap == .gradCAMCover ? camCoverWeight : 0)
                (loss, shares, added) = (loss + cam.loss, cam.shares, cam.added)
            }
        }
        let gx = backward(pass, dLogits: dz, dTop: dTop, adding: added, inputGradient: inputGradient)
        let t2 = DispatchTime.now().uptimeNanoseconds
        phaseSeconds["forward", default: 0] += Double(t1 - t0) * 1e-9
        phaseSeconds["backward", default: 0] += Double(t2 - t1) * 1e-9
        return (loss, pass.logits, gx, shares)
    }

    /// One optimisation step on a batch: zero grads, forward, backward, Adam. Returns the loss
    /// (BCE, plus the weighted CAM term when `camWeight` > 0) and the per-image CAM shares.
    @discardableResult
    public func trainStep(_ x: [Float], labels: [Float], height: Int, width: Int,
                          lesionMasks: [[Bool]?]? = nil, camWeight: Double = 0, camMap: CAMLossMap = .layer4,
                          camCoverWeight: Double = 1, optimizer: Adam) -> (loss: Double, camOutsideShares: [Double?]) {
        store.zeroGradients()
        let r = lossAndGradients(x, labels: labels, height: height, width: width, lesionMasks: lesionMasks, camWeight: camWeight,
                                 camMap: camMap, camCoverWeight: camCoverWeight)
        let t0 = DispatchTime.now().uptimeNanoseconds
        optimizer.update(store)
        phaseSeconds["adam", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        return (r.loss, r.camOutsideShares)
    }

    /// The class activation map of image `i` of a pass, [H·W] over layer4's output:
    /// CAM(p) = Σ_c w_c A_c(p).
    func classActivationMap(_ pass: Tape, image i: Int) -> [Float] {
        let top = pass.top, n = pass.n, plane = pass.finalH * pass.finalW
        let w = store.values[fcWeight]
        var cam = [Float](repeating: 0, count: plane)
        for c in 0..<featureCount {
            let a = top + (c * n + i) * plane   // planes layout [C][N][H][W]
            for p in 0..<plane { cam[p] += w[c] * a[p] }
        }
        return cam
    }

    /// λ/N · Σ_i CAMLesionLoss_i over the images with a mask; adds its fc-weight gradient to
    /// `store.grads` and returns its gradient with respect to layer4's output (planes layout,
    /// for `backward`'s `dTop`).
    func camLoss(_ pass: Tape, masks: [[Bool]?], weight: Double) -> (loss: Double, shares: [Double?], dTop: [Float]?) {
        let n = pass.n, plane = pass.finalH * pass.finalW, c = featureCount
        let top = pass.top
        let w = store.values[fcWeight]
        let scale = Float(weight / Double(n))
        var loss = 0.0
        var shares = [Double?](repeating: nil, count: n)
        var dTop: [Float]?
        var dW = store.grads[fcWeight]
        for i in 0..<n {
            guard let mask = masks[i] else { continue }
            precondition(mask.count == pass.height * pass.width, "lesion mask \(i) is not the input's size")
            let outside = CAMLesionLoss.outsideCells(mask, side: pass.height, rows: pass.finalH, columns: pass.finalW)
            let (l, dCAM) = CAMLesionLoss.lossAndGradient(cam: classActivationMap(pass, image: i), outside: outside)
            shares[i] = l
            loss += weight * l / Double(n)
            if dTop == nil { dTop = [Float](repeating: 0, count: c * n * plane) }
            for ch in 0..<c {
                let a = top + (ch * n + i) * plane
                let base = (ch * n + i) * plane
                var dw: Float = 0
                for p in 0..<plane {
                    dTop![base + p] = scale * w[ch] * dCAM[p]      // ∂/∂A_c(p) = w_c ∂L/∂CAM(p)
                    dw += dCAM[p] * a[p]                            // ∂/∂w_c = Σ_p A_c(p) ∂L/∂CAM(p)
                }
                dW[ch] += scale * dw
            }
        }
        store.grads[fcWeight] = dW
        return (loss, shares, dTop)
    }
}

extension ResNet50 {
    /// Global-average-pooled layer4 features of a batch, [N][C] (BatchNorm in inference mode).
    public func pooledFeatures(_ x: [Float], n: Int, height: Int, width: Int) -> [Float] {
        forward(x, n: n, height: height, width: width).pooled
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

extension ResNet50 {
    /// Trains only the stages from `stage` on (see `firstTrainedStage`).
    public func train(fromStage stage: Int) {
        precondition((0...5).contains(stage), "stage 0 (stem) … 5 (fc)")
        precondition(!foldedForInference, "a model loaded folded for inference cannot be trained")
        firstTrainedStage = stage
        for (i, name) in store.names.enumerated() { store.held[i] = Self.stage(of: name) < stage }
    }

    /// Logits of the batch x (NCHW [N, 3, H, W], H and W ≥ 32), keeping every activation.
    /// With `training` and `batchNormMomentum` set, BatchNorm uses the batch's statistics;
    /// otherwise the convolutions are folded afresh from the current parameters.
    func forward(_ x: [Float], n: Int, height: Int, width: Int, training: Bool = false) -> Tape {
        precondition(x.count == n * 3 * height * width, "input size")
        let normalisation: Normalisation
        if training, let momentum = batchNormMomentum {
            normalisation = .batchStatistics(momentum: momentum)
        } else {
            normalisation = .folded(fold(winogradF4: false))
        }
        return x.withUnsafeBufferPointer {
            forward($0.baseAddress!, n: n, height: height, width: width, normalisation: normalisation, workspace: trainingWorkspace)
        }
    }

    /// Adds ∂loss/∂θ for every trained parameter to `store.grads` given dlogits = ∂loss/∂logits
    /// and, optionally, dTop = a further ∂loss/∂(layer4's output) in planes layout (a loss on
    /// the feature maps themselves, e.g. `camLoss`) and `adding`, further ones on inner layers'
    /// outputs (`gradCAMLoss`); returns ∂loss/∂x (NCHW) when `inputGradient`.
    @discardableResult
    func backward(_ pass: Tape, dLogits: [Float], dTop: [Float]? = nil, adding added: [Int: [Float]] = [:],
                  inputGradient: Bool = false) -> [Float]? {
        precondition(!foldedForInference, "a model loaded folded for inference has no BatchNorm parameters to train")
        let n = pass.n, c = featureCount, plane = pass.finalH * pass.finalW
        accumulateHeadGradients(pooled: pass.pooled, dLogits: dLogits, n: n)
        var dPooled = [Float](repeating: 0, count: n * c)
        head().backwardInput(dLogits, n: n, into: &dPooled)
        var dPlanes = [Float](repeating: 0, count: c * n)
        for ch in 0..<c { for i in 0..<n { dPlanes[ch * n + i] = dPooled[i * c + ch] } }
        let g = trainingWorkspace.buffer("g.a", count: c * n * plane)
        Pooling.globalAverageBackward(dPlanes, planes: c * n, plane: plane, into: g)
        if let dTop {
            precondition(dTop.count == c * n * plane, "dTop size")
            dTop.withUnsafeBufferPointer { Elementwise.add(g, $0.baseAddress!, count: c * n * plane) }
        }
        // Held stages need no gradients; an input gradient needs the whole pass.
        let firstStage = inputGradient ? 0 : firstTrainedStage
        guard firstStage <= 4 else { return nil }
        let (gLayer1, _) = backward(pass, gradient: g, parameterGradients: true, downToLayer: max(firstStage - 1, 0), adding: added)
        guard firstStage == 0 else { return nil }
        return backwardStem(pass, gradient: gLayer1, inputGradient: inputGradient)
    }
}
