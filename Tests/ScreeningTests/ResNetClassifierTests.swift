import Foundation
import ResNetClassifier
import XCTest
@testable import Screening

/// The adapter over the Models ResNet-50, checked against the fixtures' independent reference.
final class ResNetClassifierTests: XCTestCase {
    static let fixtures = TestSupport.sharedFolder.appendingPathComponent("fixtures/resnet50-gradcam")

    /// Batch (case b, case c) with threshold 0.5797: b (P 0.57888) is negative, c (P 0.58054)
    /// positive, so Grad-CAM must run for the second slice only and land on it.
    func testBatchGivesReferenceLogitsAndGradCAMOnlyForPositives() throws {
        let weights = Self.fixtures.appendingPathComponent("model.safetensors").path
        guard FileManager.default.fileExists(atPath: weights) else { throw XCTSkip("fixtures not found") }
        let b = try TestSupport.safetensors(Self.fixtures.appendingPathComponent("case_b.safetensors"))
        let c = try TestSupport.safetensors(Self.fixtures.appendingPathComponent("case_c.safetensors"))
        let classifier = try ResNetSliceClassifier(weightsPath: weights)
        XCTAssertEqual(classifier.modelSHA256, "9266be69d0a367a5d74c85d1c909ba72ecfaac32d85431bfa043a2e7cc079d29")
        let input = try XCTUnwrap(b["input"]) + XCTUnwrap(c["input"])
        let out = try classifier.classify(input: input, count: 2, positiveThreshold: 0.5797)
        XCTAssertEqual(out.count, 2)
        XCTAssertEqual(out[0].logit, try XCTUnwrap(b["logit"]?.first), accuracy: 2e-4)
        XCTAssertEqual(out[1].logit, try XCTUnwrap(c["logit"]?.first), accuracy: 2e-4)
        XCTAssertEqual(out[0].features.count, 256)
        // Gradient-weighted features: pooled ⊙ ∂logit/∂pooled = pooled ⊙ fc.weight, so with
        // the linear head they sum to the logit less the bias.
        let bias = try XCTUnwrap(TestSupport.safetensors(URL(fileURLWithPath: weights))["fc.bias"]?.first)
        for (output, name) in zip(out, ["b", "c"]) {
            XCTAssertEqual(output.features.reduce(0, +) + bias, output.logit, accuracy: 1e-3, name)
        }
        XCTAssertNil(out[0].fusedMap)
        let fused = try XCTUnwrap(out[1].fusedMap)
        let reference = try XCTUnwrap(c["fused"])
        XCTAssertEqual(fused.count, 224 * 224)
        XCTAssertLessThan(zip(fused, reference).map { abs($0 - $1) }.max() ?? 1, 1e-4)
    }

    func testWeightsThatDoNotFitAreRejectedWithTheFileName() throws {
        let folder = try TestSupport.temporaryFolder("weights")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bogus = folder.appendingPathComponent("not-a-model.safetensors")
        try Data("this is not a safetensors file".utf8).write(to: bogus)
        XCTAssertThrowsError(try ResNetSliceClassifier(weightsPath: bogus.path)) { error in
            XCTAssertTrue("\(error)".contains("not-a-model.safetensors"), "\(error)")
        }
        XCTAssertThrowsError(try ResNetSliceClassifier(weightsPath: folder.appendingPathComponent("missing").path)) { error in
            XCTAssertTrue("\(error)".contains("not found"), "\(error)")
        }
    }
}
