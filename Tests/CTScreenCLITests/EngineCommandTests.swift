import Foundation
import XCTest
import NeuralEngine
@testable import CTScreenCLI

/// `ctscreen explain` and `ctscreen benchmark-engine`, run in-process on the fixtures.
final class EngineCommandTests: XCTestCase {
    func fixture(_ name: String) throws -> String {
        let shared = ProcessInfo.processInfo.environment["CTSCREEN_SHARED"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
        let p = shared.appendingPathComponent("fixtures/resnet50-gradcam/\(name)").path
        guard FileManager.default.fileExists(atPath: p) else { throw XCTSkip("fixture \(p) not found") }
        return p
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
}
