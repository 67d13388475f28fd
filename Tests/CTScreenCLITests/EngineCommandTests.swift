import CTScreenTestSupport
import Foundation
import XCTest
import NeuralEngine
import Volumes
@testable import CTScreenCLI

/// `ctscreen explain` and `ctscreen benchmark-engine`, run in-process on the fixtures.
final class EngineCommandTests: XCTestCase {
    func fixture(_ name: String) throws -> String {
        try SharedFolder.existing("fixtures/resnet50-gradcam/\(name)").path
    }

    func testExplainWritesFixtureTensors() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("explain-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let input = try fixture("case_b.safetensors")
        var cmd = try CTScreen.parseAsRoot(["explain", input, "--weights", try fixture("model.safetensors"), "--out", out])
        try cmd.run()
        let got = try SafetensorsFile(path: out), ref = try SafetensorsFile(path: input)
        XCTAssertEqual(got.tensorNames, ["cam14", "cam14_up", "cam28", "cam28_up", "fused", "logit", "pooled", "prob"])
        for (name, tol) in [("logit", 2e-4), ("prob", 5e-5), ("pooled", 4e-4), ("cam28", 1e-4), ("cam14", 2e-4),
                            ("cam28_up", 1e-4), ("cam14_up", 2e-4), ("fused", 1e-4)] as [(String, Float)] {
            let a = try got.tensor(name), b = try ref.tensor(name)
            XCTAssertEqual(a.shape, b.shape, name)
            XCTAssertLessThanOrEqual(zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 1, tol, name)
        }
    }

    func testBenchmarkEngineWritesLogitsOfInputs() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("logits-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let input = try fixture("case_a.safetensors")
        var cmd = try CTScreen.parseAsRoot(["benchmark-engine", "--weights", try fixture("model.safetensors"), "--batch", "2",
                                            "--threads", "1", "--iterations", "1", "--inputs", input, "--logits-out", out, "--gradcam"])
        try cmd.run()
        let logits = try SafetensorsFile(path: out).tensor("logits")
        XCTAssertEqual(logits.shape, [1, 1])
        XCTAssertEqual(logits.data[0], 0.1686823, accuracy: 2e-4)
    }

    func testEngineCommandsAreRegisteredAndValidate() {
        let help = CTScreen.helpMessage()
        XCTAssertTrue(help.contains("explain"), help)
        XCTAssertTrue(help.contains("benchmark-engine"), help)
        XCTAssertThrowsError(try CTScreen.parseAsRoot(["benchmark-engine", "--weights", "w", "--batch", "0"]))
        XCTAssertThrowsError(try CTScreen.parseAsRoot(["benchmark-engine", "--weights", "w", "--logits-out", "x"]))
    }

    /// A DICOM slice is windowed [−1000, 0] HU, resized to 224 and normalised; checked against
    /// the plain-loop reference resize on the slice's HU.
    func testExplainPreparesADICOMSlice() throws {
        let dcm = try fixture("../../data/dicom-samples/pydicom/CT_small.dcm")
        let x = try Explain.loadInput(dcm)
        XCTAssertEqual(x.shape, [1, 3, 224, 224])
        let v = try DICOMFile.readVolume(at: URL(fileURLWithPath: dcm))
        let windowed = v.voxels.map { min(max((Float($0) + 1000) / 1000, 0), 1) }
        let resized = Reference.resize(windowed, h: v.size.rows, w: v.size.columns, toHeight: 224, width: 224)
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        for c in 0..<3 {
            let expected = resized.map { ($0 - mean[c]) / std[c] }
            let got = Array(x.data[(c * 224 * 224)..<((c + 1) * 224 * 224)])
            XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max() ?? 1, 1e-4, "channel \(c)")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("explain-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var cmd = try CTScreen.parseAsRoot(["explain", dcm, "--weights", try fixture("model.safetensors"), "--out", out])
        try cmd.run()
        let f = try SafetensorsFile(path: out)
        let fused = try f.tensor("fused").data, a = try f.tensor("cam14_up").data, b = try f.tensor("cam28_up").data
        XCTAssertEqual(fused, zip(a, b).map { $0 * $1 })
    }
}
