import Models
import Imaging
import Datasets
import NeuralEngine
import XCTest
@testable import Training

/// The CAM loss ("right for the right reasons", `CAMLesionLoss`): its closed-form gradient,
/// the map it acts on, and the whole network's gradient of BCE + λ·CAM term by finite
/// differences, in the style of `GradientCheckTests`.
final class CAMLesionLossTests: XCTestCase, CAMTestInputs {
    func testOutsideCellsMarkEveryCellTheLesionTouches() {
        var mask = [Bool](repeating: false, count: 8 * 8)
        mask[0] = true            // cell (0, 0)
        mask[5 * 8 + 6] = true    // row 5, column 6 → cell (1, 1) of a 2×2 grid
        XCTAssertEqual(CAMLesionLoss.outsideCells(mask, side: 8, rows: 2, columns: 2), [false, true, true, false])
        XCTAssertEqual(CAMLesionLoss.outsideCells(mask, side: 8, rows: 4, columns: 4).filter { !$0 }.count, 2)
    }

    /// The share and its gradient against the definition, evaluated independently in Double
    /// with central differences; cells at or below 0 get no gradient (relu).
    func testShareAndGradientMatchTheDefinition() {
        let cam: [Float] = [2.0, -1.0, 0.5, 3.0, 0.25, -0.5]
        let outside = [true, true, false, true, false, false]
        func share(_ v: [Double]) -> Double {
            let r = v.map { max($0, 0) }
            return zip(r, outside).filter { $0.1 }.reduce(0) { $0 + $1.0 } / (r.reduce(0, +) + CAMLesionLoss.epsilon)
        }
        let (loss, g) = CAMLesionLoss.lossAndGradient(cam: cam, outside: outside)
        XCTAssertEqual(loss, 5.0 / (5.75 + 1), accuracy: 1e-9)
        for k in cam.indices {
            var plus = cam.map(Double.init), minus = plus
            plus[k] += 1e-4
            minus[k] -= 1e-4
            XCTAssertEqual(Double(g[k]), (share(plus) - share(minus)) / 2e-4, accuracy: 1e-5, "cell \(k)")
        }
        XCTAssertEqual(g[1], 0)
        // Scaling the map leaves the share (almost: ε) unchanged; shrinking cannot game it.
        XCTAssertEqual(CAMLesionLoss.lossAndGradient(cam: cam.map { $0 * 100 }, outside: outside).loss, 5.0 / 5.75, accuracy: 2e-3)
        // No positive evidence: no loss, no gradient.
        XCTAssertEqual(CAMLesionLoss.lossAndGradient(cam: [-1, -2], outside: [true, false]).gradient, [0, 0])
    }

    /// Lesion fractions by hand: an 8×8 mask on a 2×2 grid (16 pixels a cell).
    func testLesionFractionsCountEachCellsLesionPixels() {
        var mask = [Bool](repeating: false, count: 8 * 8)
        for r in 0..<4 { for c in 0..<4 { mask[r * 8 + c] = true } }   // all of cell (0, 0)
        mask[5 * 8 + 6] = true                                          // one pixel of cell (1, 1)
        mask[6 * 8 + 7] = true
        XCTAssertEqual(CAMLesionLoss.lesionFractions(mask, side: 8, rows: 2, columns: 2), [1, 0, 0, 2.0 / 16])
        var fine = [Float](repeating: 0, count: 16)   // 4×4 cells of 2×2 pixels
        for cell in [0, 1, 4, 5] { fine[cell] = 1 }
        fine[2 * 4 + 3] = 0.25                          // pixel (5, 6)
        fine[3 * 4 + 3] = 0.25                          // pixel (6, 7)
        XCTAssertEqual(CAMLesionLoss.lesionFractions(mask, side: 8, rows: 4, columns: 4), fine)
    }

    /// The coverage term against its definition, evaluated independently in Double with central
    /// differences (the peak moves with its cell); a map flat over the lesion at its peak costs
    /// (almost: ε) nothing, a map that peaks on one lesion cell costs more, cells far below zero
    /// are floored.
    func testCoverageAndGradientMatchTheDefinition() {
        let cam: [Float] = [2.0, -1.0, 0.5, 3.0, 0.25, -40]
        let fractions: [Float] = [0, 0.5, 1, 1, 0.25, 0.5]
        func coverage(_ v: [Double]) -> Double {
            let d = max(v.max()!, 0) + CAMLesionLoss.epsilon
            let total = fractions.reduce(0.0) { $0 + Double($1) }
            return zip(v, fractions).reduce(0.0) { $0 + Double($1.1) * (1 - max($1.0 / d, -1)) } / total
        }
        let (loss, g) = CAMLesionLoss.coverageLossAndGradient(cam: cam, fractions: fractions)
        XCTAssertEqual(loss, coverage(cam.map(Double.init)), accuracy: 1e-9)
        XCTAssertEqual(loss, (0.5 * 1.25 + 1 * 0.875 + 1 * 0.25 + 0.25 * 0.9375 + 0.5 * 2) / 3.25, accuracy: 1e-9)
        for k in cam.indices {
            var plus = cam.map(Double.init), minus = plus
            plus[k] += 1e-4
            minus[k] -= 1e-4
            XCTAssertEqual(Double(g[k]), (coverage(plus) - coverage(minus)) / 2e-4, accuracy: 1e-5, "cell \(k)")
        }
        XCTAssertEqual(g[5], 0, "floored at −1: no pull")
        XCTAssertEqual(g[0], 0, "no lesion, not the peak")
        let flat = CAMLesionLoss.coverageLossAndGradient(cam: [0, 50, 50, 50, 50, 50], fractions: fractions).loss
        let peaked = CAMLesionLoss.coverageLossAndGradient(cam: [0, 5, 5, 50, 5, 5], fractions: fractions).loss
        XCTAssertLessThan(flat, 0.03)
        XCTAssertGreaterThan(peaked, 0.5)
        // Scale-free, like the share.
        XCTAssertEqual(CAMLesionLoss.coverageLossAndGradient(cam: [0, 50, 500, 50, 50, 50], fractions: fractions).loss,
                       CAMLesionLoss.coverageLossAndGradient(cam: [0, 500, 5000, 500, 500, 500], fractions: fractions).loss, accuracy: 2e-3)
        XCTAssertEqual(CAMLesionLoss.coverageLossAndGradient(cam: [1, 2], fractions: [0, 0]).loss, 0)
    }

    /// The map the loss sees is the class activation map of the logit: mean(CAM) + bias = logit.
    func testMapAveragesToTheLogit() throws {
        let model = try makeModel()
        let pass = model.forward(input(3), n: 3, height: side, width: side)
        XCTAssertEqual(pass.finalH * pass.finalW, 16)
        let bias = model.store.values[model.fcBias][0]
        for i in 0..<3 {
            let cam = model.classActivationMap(pass, image: i)
            XCTAssertEqual(cam.reduce(0, +) / Float(cam.count) + bias, pass.logits[i], accuracy: 1e-4 * max(1, abs(pass.logits[i])))
        }
    }

    /// λ = 0, or no masks: exactly the BCE gradients of before (the option off changes nothing).
    func testOffIsPlainBCE() throws {
        let x = input(3), labels: [Float] = [1, 0, 1]
        let plain = try makeModel(), off = try makeModel(), noMasks = try makeModel()
        for m in [plain, off, noMasks] { m.store.zeroGradients() }
        let a = plain.lossAndGradients(x, labels: labels, height: side, width: side)
        let b = off.lossAndGradients(x, labels: labels, height: side, width: side, lesionMasks: masks(), camWeight: 0)
        let c = noMasks.lossAndGradients(x, labels: labels, height: side, width: side,
                                         lesionMasks: [nil, nil, nil], camWeight: 3)
        XCTAssertEqual(a.loss, b.loss)
        XCTAssertEqual(a.loss, c.loss)
        XCTAssertEqual(plain.store.grads, off.store.grads)
        XCTAssertEqual(plain.store.grads, noMasks.store.grads)
        XCTAssertEqual(c.camOutsideShares.compactMap { $0 }.count, 0)
    }

    /// ∇(BCE + λ·CAM term) against central finite differences along a random direction per
    /// tensor (and the input), as in `GradientCheckTests`. λ = 5 makes the CAM term dominate,
    /// so a wrong factor or a missing fc-weight / feature-map term fails by far. ε = 1e-3,
    /// tolerance 3 % + 3e-3 (ReLU kinks, Float32 rounding), as there.
    func testGradientsMatchFiniteDifferences() throws {
        let model = try makeModel()
        let x = input(3), labels: [Float] = [1, 0, 1], lesions = masks(), lambda = 5.0
        model.store.zeroGradients()
        let r = model.lossAndGradients(x, labels: labels, height: side, width: side, lesionMasks: lesions,
                                       camWeight: lambda, inputGradient: true)
        let gx = try XCTUnwrap(r.input)
        let shares = r.camOutsideShares
        XCTAssertNil(shares[1])
        let bce = BCEWithLogits.lossAndGradient(logits: r.logits, labels: labels).loss
        XCTAssertGreaterThan(r.loss - bce, 0.05, "the CAM term must be present (shares \(shares))")
        let grads = model.store.grads   // the finite-difference passes below add to the store's
        func loss(_ input: [Float]) -> Double {
            let pass = model.forward(input, n: 3, height: side, width: side, training: true)
            return BCEWithLogits.lossAndGradient(logits: pass.logits, labels: labels).loss
                + model.camLoss(pass, masks: lesions, weight: lambda).loss
        }
        let worst = assertGradientsMatch(model, input: x, grads: grads, inputGradient: gx, eps: 1e-3, relative: 0.03,
                                         seeds: 2000, loss: loss)
        print("CAM loss gradient check: \(model.store.count) tensors + input, worst relative error \(worst), shares \(shares)")
    }

    /// A few steps on the CAM term move the positive evidence into the lesion: the share
    /// outside falls (a sign error would raise it).
    func testStepsLowerTheShareOutside() throws {
        let model = try makeModel()
        let x = input(3), labels: [Float] = [1, 0, 1], lesions = masks()
        let adam = Adam(store: model.store, learningRate: 1e-2)
        func meanShare(_ r: [Double?]) -> Double { let s = r.compactMap { $0 }; return s.reduce(0, +) / Double(s.count) }
        let first = meanShare(model.trainStep(x, labels: labels, height: side, width: side, lesionMasks: lesions,
                                              camWeight: 5, optimizer: adam).camOutsideShares)
        var last = first
        for _ in 0..<15 {
            last = meanShare(model.trainStep(x, labels: labels, height: side, width: side, lesionMasks: lesions,
                                             camWeight: 5, optimizer: adam).camOutsideShares)
        }
        print("CAM share outside the lesions: \(first) → \(last)")
        XCTAssertLessThan(last, first - 0.1)
    }

    /// The validation measure is the training term's share: the same per-image values as a
    /// training pass (BatchNorm frozen, so both passes see the same maps), the same logits as
    /// `logits`, nothing for images without a mask, and no gradient left in the store.
    func testValidationSharesAreTheTrainingTermsShares() throws {
        let model = try makeModel()
        let x = input(3), lesions = masks()
        let v = model.logitsAndCAMOutsideShares(x, n: 3, height: side, width: side, lesionMasks: lesions)
        XCTAssertEqual(v.logits, model.logits(x, n: 3, height: side, width: side))
        XCTAssertTrue(model.store.grads.allSatisfy { $0.allSatisfy { $0 == 0 } }, "validation adds no gradient")
        model.store.zeroGradients()
        let t = model.lossAndGradients(x, labels: [1, 0, 1], height: side, width: side, lesionMasks: lesions, camWeight: 1)
        XCTAssertNil(v.shares[1])
        for i in [0, 2] {
            let a = try XCTUnwrap(v.shares[i]), b = try XCTUnwrap(t.camOutsideShares[i])
            XCTAssertEqual(a, b, accuracy: 1e-9, "image \(i)")
        }
        // Through the trainer: the mean over the masked validation images, with their count.
        let samples = (0..<3).map { Sample(source: .image(path: "s\($0)"), label: $0 != 1, group: "g\($0)") }
        let trainer = try Trainer(model: model, settings: { var s = TrainingSettings(); s.batchSize = 3; s.inputSize = side; return s }(),
                                  source: { _, _, _ in TrainingBatch(input: x, labels: [1, 0, 1], lesionMasks: lesions) })
        let r = try trainer.evaluateWithCAM(Dataset(name: "v", samples: samples))
        let c = try XCTUnwrap(r.camOutsideShare)
        XCTAssertEqual(c.images, 2)
        XCTAssertEqual(c.mean, (v.shares[0]! + v.shares[2]!) / 2, accuracy: 1e-9)
        let plain = try Trainer(model: model, settings: { var s = TrainingSettings(); s.batchSize = 3; s.inputSize = side; return s }(),
                                source: { _, _, _ in TrainingBatch(input: x, labels: [1, 0, 1]) })
        XCTAssertNil(try plain.evaluateWithCAM(Dataset(name: "v", samples: samples)).camOutsideShare)
        XCTAssertEqual(try plain.evaluate(Dataset(name: "v", samples: samples)).auc, r.auc)
    }
}
