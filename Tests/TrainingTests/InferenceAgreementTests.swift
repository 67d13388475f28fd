import Imaging
import Models
import Segmentation
import NeuralEngine
import XCTest
@testable import Training

/// Training and inference run one graph: after training steps, `classify` (folded once,
/// Winograd F(4×4) convolutions, batch split in parts) on the same instance and on the F32 file
/// the trainer writes gives the training pass's logits; the F16 file agrees to half precision.
final class InferenceAgreementTests: XCTestCase {
    func testTrainedWeightsGiveSameLogitsInInferenceModel() throws {
        let path = TrainingLoopTests.fixtureModel
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("fixture model not found at \(path)") }
        let side = TrainingLoopTests.side
        let model = try ResNet50(path: path)
        let samples = TrainingLoopTests.dataset(4).samples
        var rng = SplitMix64(seed: 3)
        let batch = try TrainingLoopTests.source(samples, .none, &rng)
        let (x, y) = (batch.input, batch.labels)
        let adam = Adam(store: model.store, learningRate: 1e-3)
        for _ in 0..<3 { model.trainStep(x, labels: y, height: side, width: side, optimizer: adam) }
        let before = try model.classify(Tensor(shape: [4, 3, side, side], data: x)).map(\.logit)
        for _ in 0..<3 { model.trainStep(x, labels: y, height: side, width: side, optimizer: adam) }
        let expected = model.logits(x, n: 4, height: side, width: side)
        // The same instance refolds after the optimiser changed its parameters.
        let refolded = try model.classify(Tensor(shape: [4, 3, side, side], data: x)).map(\.logit)

        let dir = FileManager.default.temporaryDirectory
        let p32 = dir.appendingPathComponent("agree32-\(UUID().uuidString).safetensors").path
        let p16 = dir.appendingPathComponent("agree16-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: p32); try? FileManager.default.removeItem(atPath: p16) }
        try model.writeWeights(to: p32)
        try model.writeWeights(to: p16, dtype: .f16)
        let input = Tensor(shape: [4, 3, side, side], data: x)
        let got32 = try ResNet50(path: p32).classify(input).map(\.logit)
        let got16 = try ResNet50(path: p16).classify(input).map(\.logit)
        let initial = try ResNet50(path: path).classify(input).map(\.logit)
        for i in 0..<4 {
            XCTAssertEqual(got32[i], expected[i], accuracy: 1e-4 * max(1, abs(expected[i])), "image \(i)")
            XCTAssertEqual(refolded[i], expected[i], accuracy: 1e-4 * max(1, abs(expected[i])), "image \(i) (same instance)")
            XCTAssertEqual(got16[i], expected[i], accuracy: 2e-2 * max(1, abs(expected[i])), "image \(i) (F16)")
        }
        XCTAssertGreaterThan(zip(initial, expected).map { abs($0 - $1) }.max() ?? 0, 1e-3, "the steps must change the logits")
        XCTAssertGreaterThan(zip(before, refolded).map { abs($0 - $1) }.max() ?? 0, 1e-3, "classify must not keep stale folds")
    }
}
