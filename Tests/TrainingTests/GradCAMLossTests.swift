import Models
import NeuralEngine
import XCTest
@testable import Training

/// The CAM loss on the pipeline's Grad-CAM maps (`CAMLossMap.gradCAM`): it reads the maps
/// `classify` computes, its gradient matches finite differences with α held, and steps move
/// the evidence into the lesions.
final class GradCAMLossTests: XCTestCase, CAMTestInputs {
    /// α and the shares are those of the pipeline's Grad-CAM (`classify`, an independent path
    /// through the engine): α14/α28 per image, and the share of each raw map (times its cells)
    /// outside the lesion.
    func testReadsThePipelinesGradCAM() throws {
        let model = try makeModel()
        let x = input(3), lesions = masks()
        let pass = model.forward(x, n: 3, height: side, width: side)
        let r = model.gradCAMLoss(pass, masks: lesions, weight: 1)
        let pipeline = try model.classify(Tensor(shape: [3, 3, side, side], data: x), gradCAMFor: [0, 1, 2])
        XCTAssertNil(r.shares[1])
        XCTAssertEqual(r.weights.layer3[1], [], "no α for an image without a mask")
        for i in [0, 2] {
            let g = try XCTUnwrap(pipeline[i].gradCAM)
            for (mine, theirs) in [(r.weights.layer3[i], g.alpha14), (r.weights.layer2[i], g.alpha28)] {
                XCTAssertEqual(mine.count, theirs.count)
                let scale = theirs.map(abs).max()!
                for (a, b) in zip(mine, theirs) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale, "image \(i)") }
            }
            let mask = try XCTUnwrap(lesions[i])
            let s14 = CAMLesionLoss.lossAndGradient(cam: g.cam14Raw.map { $0 * Float(g.size14 * g.size14) }, outside: CAMLesionLoss.outsideCells(
                mask, side: side, rows: g.size14, columns: g.size14)).loss
            let s28 = CAMLesionLoss.lossAndGradient(cam: g.cam28Raw.map { $0 * Float(g.size28 * g.size28) }, outside: CAMLesionLoss.outsideCells(
                mask, side: side, rows: g.size28, columns: g.size28)).loss
            XCTAssertEqual(try XCTUnwrap(r.shares[i]), (s14 + s28) / 2, accuracy: 1e-4, "image \(i)")
        }
        // Validation reads the same map when asked, and the training pass reports the same shares.
        let v = model.logitsAndCAMOutsideShares(x, n: 3, height: side, width: side, lesionMasks: lesions, map: .gradCAM)
        let t = model.lossAndGradients(x, labels: [1, 0, 1], height: side, width: side, lesionMasks: lesions,
                                       camWeight: 1, camMap: .gradCAM)
        for i in [0, 2] {
            XCTAssertEqual(try XCTUnwrap(v.shares[i]), r.shares[i]!, accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(t.camOutsideShares[i]), r.shares[i]!, accuracy: 1e-9)
        }
    }

    /// ∇(BCE + λ·Grad-CAM term) against central finite differences of the same loss with α held
    /// at its value (the stop-gradient the term is defined with), along a random direction per
    /// tensor and the input; λ = 5 so the term dominates. ε = 1e-4, tolerance 5 % + 3e-3: the
    /// ReLU of maps of 64 and 256 cells puts kinks closer than layer4's 16 cells do (at ε = 1e-3
    /// layer1's differences are 10-25 % off; they converge to the analytic values as ε falls
    /// until Float32 rounding takes over below 1e-4).
    func testGradientsMatchFiniteDifferencesWithAlphaHeld() throws {
        try checkGradients(map: .gradCAM)
    }

    /// The same with the coverage term added (`.gradCAMCover`) at twice the share's weight (so a
    /// weight left out of the gradient shows): its peak is one more kink.
    func testCoverageGradientsMatchFiniteDifferencesWithAlphaHeld() throws {
        try checkGradients(map: .gradCAMCover, coverWeight: 2)
    }

    private func checkGradients(map: CAMLossMap, coverWeight: Double = 0) throws {
        let model = try makeModel()
        let cover = map == .gradCAMCover ? coverWeight : 0
        let x = input(3), labels: [Float] = [1, 0, 1], lesions = masks(), lambda = 5.0
        let held = model.gradCAMLoss(model.forward(x, n: 3, height: side, width: side, training: true),
                                     masks: lesions, weight: lambda, coverWeight: cover).weights
        model.store.zeroGradients()
        let r = model.lossAndGradients(x, labels: labels, height: side, width: side, lesionMasks: lesions,
                                       camWeight: lambda, camMap: map, camCoverWeight: coverWeight, inputGradient: true)
        let gx = try XCTUnwrap(r.input)
        let bce = BCEWithLogits.lossAndGradient(logits: r.logits, labels: labels).loss
        XCTAssertGreaterThan(r.loss - bce, 0.05, "the term must be present (shares \(r.camOutsideShares))")
        if cover > 0 {
            let shareAlone = model.gradCAMLoss(model.forward(x, n: 3, height: side, width: side, training: true),
                                               masks: lesions, weight: lambda, weights: held).loss
            XCTAssertGreaterThan(r.loss - bce, shareAlone + 0.05, "the coverage term must be present")
        }
        let grads = model.store.grads
        func loss(_ input: [Float]) -> Double {
            let pass = model.forward(input, n: 3, height: side, width: side, training: true)
            return BCEWithLogits.lossAndGradient(logits: pass.logits, labels: labels).loss
                + model.gradCAMLoss(pass, masks: lesions, weight: lambda, coverWeight: cover, weights: held).loss
        }
        let worst = assertGradientsMatch(model, input: x, grads: grads, inputGradient: gx, eps: 1e-4, relative: 0.05,
                                         seeds: 3000, loss: loss)
        print("Grad-CAM loss (\(map.rawValue)) gradient check: \(model.store.count) tensors + input, worst relative error \(worst)")
    }

    /// Steps with the term leave less Grad-CAM evidence outside the lesions than the same steps
    /// with BCE alone (a sign error, or the gradient added at the wrong layer, would not). Compared
    /// with a BCE-only twin: the share itself can rise while the logits grow, since ε matters
    /// less as the maps' mass grows.
    func testStepsMoveTheEvidenceIntoTheLesions() throws {
        let x = input(3), lesions = masks()
        func shareAfterSteps(camWeight: Double) throws -> Double {
            let model = try trained(camWeight: camWeight, map: .gradCAM)
            let shares = model.logitsAndCAMOutsideShares(x, n: 3, height: side, width: side, lesionMasks: lesions,
                                                         map: .gradCAM).shares.compactMap { $0 }
            return shares.reduce(0, +) / Double(shares.count)
        }
        let plain = try shareAfterSteps(camWeight: 0), steered = try shareAfterSteps(camWeight: 5)
        print("Grad-CAM share outside the lesions after 15 steps: BCE \(plain), BCE + term \(steered)")
        XCTAssertLessThan(steered, plain - 0.1)
    }

    /// Steps with the coverage term leave more of the lesions' pixels above the Corona score's
    /// 0.6 in the pipeline's fused map (`classify`, an independent path) than the same steps
    /// with the share alone: the share is met by a map that peaks on a few lesion cells.
    func testCoverageStepsFillTheLesionsInTheFusedMap() throws {
        let x = input(3), lesions = masks()
        func lesionShareAboveThreshold(map: CAMLossMap) throws -> Double {
            let model = try trained(camWeight: 5, map: map)
            let results = try model.classify(Tensor(shape: [3, 3, side, side], data: x), gradCAMFor: [0, 2])
            var above = 0, total = 0
            for i in [0, 2] {
                let fused = try XCTUnwrap(results[i].gradCAM).fused, mask = try XCTUnwrap(lesions[i])
                XCTAssertEqual(fused.count, mask.count)
                for (v, inLesion) in zip(fused, mask) where inLesion {
                    total += 1
                    if v > 0.6 { above += 1 }
                }
            }
            return Double(above) / Double(total)
        }
        let share = try lesionShareAboveThreshold(map: .gradCAM), cover = try lesionShareAboveThreshold(map: .gradCAMCover)
        print("lesion pixels above 0.6 in the fused map after 15 steps: share term \(share), share + coverage \(cover)")
        XCTAssertGreaterThan(cover, share + 0.1)
    }

    /// The small network after 15 Adam steps (lr 1e-2) on the three images, labels 1, 0, 1.
    private func trained(camWeight: Double, map: CAMLossMap) throws -> ResNet50 {
        let model = try makeModel()
        let adam = Adam(store: model.store, learningRate: 1e-2)
        for _ in 0..<15 {
            model.trainStep(input(3), labels: [1, 0, 1], height: side, width: side, lesionMasks: masks(),
                            camWeight: camWeight, camMap: map, optimizer: adam)
        }
        return model
    }
}
