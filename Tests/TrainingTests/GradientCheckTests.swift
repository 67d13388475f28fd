import Models
import Imaging
import NeuralEngine
import XCTest
@testable import Training

/// Analytic gradients of a small ResNet (base width 4, blocks [1, 2, 1, 1], random BatchNorm
/// statistics, 2 images of 3×32×32) against central finite differences of the BCE loss.
/// Each parameter tensor is checked along a random unit direction v:
/// (L(θ+εv) − L(θ−εv)) / 2ε ≈ ⟨∇L, v⟩, which sums over all its elements and so stays well
/// above Float32 rounding noise; the input gradient is checked the same way. ε = 1e-3: at
/// 1e-2 ReLU kinks of this tiny network (1×1 maps in layer4) bend the differences, at 1e-4
/// Float32 rounding dominates; the tolerance 3 % + 3e-3 is for that residue (gradients here
/// are 0.05…3 in size, and a wrong factor, sign or missing term fails by far more).
final class GradientCheckTests: XCTestCase {
    let height = 32, width = 32

    func makeModel() throws -> ResNet50 {
        try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 4, blockCounts: [1, 2, 1, 1], seed: 7,
                                                              randomBatchNorm: true))
    }

    func makeBatch(_ labels: [Float] = [1, 0]) -> (x: [Float], labels: [Float]) {
        var rng = SplitMix64(seed: 99)
        return ((0..<(labels.count * 3 * height * width)).map { _ in Float(rng.gaussian()) }, labels)
    }

    /// The loss of a training pass (batch statistics when the model uses them; the running
    /// statistics it moves do not enter a training pass's output).
    func loss(_ m: ResNet50, _ x: [Float], _ labels: [Float]) -> Double {
        let logits = m.forward(x, n: labels.count, height: height, width: width, training: true).logits
        return BCEWithLogits.lossAndGradient(logits: logits, labels: labels).loss
    }

    func direction(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        let v = (0..<count).map { _ in rng.gaussian() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { Float($0 / norm) }
    }

    /// Runs the check with the Winograd path on every 3×3 conv (min tiles 1) or off, with
    /// BatchNorm frozen or on batch statistics (then 4 images, so layer4's 1×1 maps still
    /// give each channel 4 values to normalise).
    func check(winograd: Bool, batchStatistics: Bool = false) throws {
        let model = try makeModel()
        model.convolutionPolicy.winogradMinTiles = 1
        model.convolutionPolicy.winograd = winograd
        if batchStatistics { model.batchNormMomentum = 0.1 }
        let (x, labels) = makeBatch(batchStatistics ? [1, 0, 0, 1] : [1, 0])
        model.store.zeroGradients()
        let r = model.lossAndGradients(x, labels: labels, height: height, width: width, inputGradient: true)
        let gx = try XCTUnwrap(r.input)
        // Normalised pre-activations crowd ReLU's kink at 0 more: at ε = 1e-3 a few of them
        // cross it (layer1.0.bn2 measured 0.058 at 1e-3, 0.0090 at 3e-4 against an analytic 0.0096).
        let eps: Float = batchStatistics ? 3e-4 : 1e-3
        var worst = 0.0
        func compare(_ name: String, analytic: Double, plus: Double, minus: Double) {
            let numeric = (plus - minus) / (2 * Double(eps))
            let err = abs(numeric - analytic)
            worst = max(worst, err / max(abs(analytic), 1e-3))
            XCTAssertLessThanOrEqual(err, 0.03 * abs(analytic) + 3e-3,
                                     "\(name): analytic \(analytic), numeric \(numeric)")
        }
        let s = model.store
        for p in 0..<s.count {
            let v = direction(s.values[p].count, seed: UInt64(1000 + p))
            let analytic = zip(s.grads[p], v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let saved = s.values[p]
            s.values[p] = zip(saved, v).map { $0 + eps * $1 }
            let plus = loss(model, x, labels)
            s.values[p] = zip(saved, v).map { $0 - eps * $1 }
            let minus = loss(model, x, labels)
            s.values[p] = saved
            compare(s.names[p], analytic: analytic, plus: plus, minus: minus)
        }
        let v = direction(x.count, seed: 5)
        let analytic = zip(gx, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        compare("input", analytic: analytic,
                plus: loss(model, zip(x, v).map { $0 + eps * $1 }, labels),
                minus: loss(model, zip(x, v).map { $0 - eps * $1 }, labels))
        print("gradient check (winograd \(winograd), batch statistics \(batchStatistics)): \(s.count) tensors + input, worst relative error \(worst)")
    }

    func testGradientsMatchFiniteDifferencesWithBatchStatistics() throws { try check(winograd: true, batchStatistics: true) }

    func testGradientsMatchFiniteDifferencesIm2col() throws { try check(winograd: false) }

    /// A full-depth narrow network (base width 8, blocks [3, 4, 6, 3], random BatchNorm) on 4
    /// images of 96×96: activation tensors of more than 2¹⁶ values, so chunked and threaded
    /// element loops are exercised; selected tensors, 2 engine threads. (The fixture model is
    /// not used here: its BatchNorm statistics centre many pre-activations at 0, so Float32
    /// noise flips ReLU masks and its finite differences do not converge.) At this depth the
    /// differences scatter by a few % with ε (kinks), hence 8 %; the ReLU-mask tail bug this
    /// test was written for (elements past 2¹⁶ left unmasked) is off by far more.
    func testDeepNetworkGradientsAtLargerSize() throws {
        let side = 96
        EngineThreads.set(2)
        defer { EngineThreads.set(1) }
        let model = try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 8, blockCounts: [3, 4, 6, 3], seed: 7,
                                                                          randomBatchNorm: true))
        var rng = SplitMix64(seed: 21)
        let x = (0..<(4 * 3 * side * side)).map { _ in Float(rng.gaussian()) }
        let labels: [Float] = [1, 0, 0, 1]
        func loss() -> Double {
            BCEWithLogits.lossAndGradient(logits: model.logits(x, n: 4, height: side, width: side), labels: labels).loss
        }
        model.store.zeroGradients()
        model.lossAndGradients(x, labels: labels, height: side, width: side)
        let eps: Float = 1e-3
        for name in ["conv1.weight", "bn1.weight", "layer1.0.conv2.weight", "layer1.2.bn3.bias", "layer2.0.conv1.weight",
                     "layer3.0.downsample.0.weight", "layer4.2.conv3.weight", "fc.weight"] {
            let p = try XCTUnwrap(model.store.index(of: name))
            let s = model.store
            let v = direction(s.values[p].count, seed: UInt64(p))
            let analytic = zip(s.grads[p], v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let saved = s.values[p]
            s.values[p] = zip(saved, v).map { $0 + eps * $1 }
            let plus = loss()
            s.values[p] = zip(saved, v).map { $0 - eps * $1 }
            let minus = loss()
            s.values[p] = saved
            let numeric = (plus - minus) / (2 * Double(eps))
            XCTAssertEqual(numeric, analytic, accuracy: 0.08 * abs(analytic) + 3e-3, name)
        }
    }

    func testGradientsMatchFiniteDifferencesWinograd() throws { try check(winograd: true) }

    /// fc.bias: ∂L/∂b = mean(σ(z) − y), an independent closed form.
    func testBiasGradientIsMeanResidual() throws {
        let model = try makeModel()
        let (x, labels) = makeBatch()
        model.store.zeroGradients()
        let r = model.lossAndGradients(x, labels: labels, height: height, width: width)
        let expected = zip(r.logits, labels).reduce(0.0) { $0 + BCEWithLogits.sigmoid(Double($1.0)) - Double($1.1) } / 2
        let b = try XCTUnwrap(model.store.index(of: "fc.bias"))
        XCTAssertEqual(Double(model.store.grads[b][0]), expected, accuracy: 1e-6)
    }
}
