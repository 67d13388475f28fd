import Foundation
import XCTest
import NeuralEngine
@testable import Models

/// Parity with the independent JAX reference in shared/fixtures/resnet50-gradcam, through
/// `ResNet50.explain` (the code path of `ctscreen explain`), with the README's tolerances.
final class FixtureParityTests: XCTestCase {
    /// (tensor, element-wise max-abs tolerance) from the fixtures README.
    static let tolerances: [(String, Float)] = [
        ("logit", 2e-4), ("prob", 5e-5), ("pooled", 4e-4),
        ("layer2_out", 1e-3), ("layer3_out", 3e-3),
        ("grad_layer2_out", 5e-7), ("grad_layer3_out", 1e-7),
        ("alpha28", 5e-9), ("alpha14", 5e-9),
        ("cam28_raw", 5e-7), ("cam14_raw", 3e-6),
        ("cam28", 1e-4), ("cam28_up", 1e-4), ("fused", 1e-4),
        ("cam14", 2e-4), ("cam14_up", 2e-4),
    ]

    nonisolated(unsafe) static var model: ResNet50?  // XCTest runs one test at a time

    func loadModel() throws -> ResNet50 {
        if let m = Self.model { return m }
        let m = try ResNet50(path: Fixtures.file("model.safetensors"))
        Self.model = m
        return m
    }

    func checkCase(_ name: String) throws {
        let model = try loadModel()
        let ref = try SafetensorsFile(path: Fixtures.file("case_\(name).safetensors"))
        let out = try model.explain(ref.tensor("input", shape: [1, 3, 224, 224]), includeInternals: true)
        for (tensor, tol) in Self.tolerances {
            let expected = try ref.tensor(tensor)
            guard let got = out[tensor] else { XCTFail("explain gave no \(tensor)"); continue }
            XCTAssertEqual(got.shape, expected.shape, "case \(name) \(tensor) shape")
            guard got.shape == expected.shape else { continue }
            let d = Fixtures.maxAbsDiff(got.data, expected.data)
            // CTSCREEN_PRINT_DIFFS=1 prints every margin (for comparing engine changes).
            if ProcessInfo.processInfo.environment["CTSCREEN_PRINT_DIFFS"] != nil { print("case \(name) \(tensor) \(d)") }
            XCTAssertLessThanOrEqual(d, tol, "case \(name) \(tensor): max abs diff \(d) > \(tol)")
        }
    }

    func testCaseASmoothPattern() throws { try checkCase("a") }
    func testCaseBCTLikeSlice() throws { try checkCase("b") }
    func testCaseCUniformNoise() throws { try checkCase("c") }

    /// The model's shapes come from the narrow weights (base width 8).
    func testNarrowWidthsReadFromWeights() throws {
        let m = try loadModel()
        XCTAssertEqual(m.stem.outChannels, 8)
        XCTAssertEqual(m.layer2Channels, 64)
        XCTAssertEqual(m.layer3Channels, 128)
        XCTAssertEqual(m.featureCount, 256)
        XCTAssertEqual(m.layers.map(\.count), [3, 4, 6, 3])
        XCTAssertEqual(m.layers[1][0].conv1.stride, 1)  // v1.5: the stride is on the 3×3 conv
        XCTAssertEqual(m.layers[1][0].conv2.stride, 2)
    }
}
