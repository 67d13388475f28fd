import CTScreenTestSupport
import Foundation
import NeuralEngine
import XCTest
@testable import Models

/// The U-Net's forward pass equals an independent implementation: ONNX Runtime running the
/// same layout (`Scripts/unet-fixtures.py`, random weights at width 8, a batch of two 64×64
/// inputs), whose script also checks ORT against plain NumPy.
final class UNet16Tests: XCTestCase {
    private let folder = SharedFolder.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/unet16")

    func testForwardEqualsONNXRuntime() throws {
        let net = try UNet16(path: folder.appendingPathComponent("unet16-w8.safetensors").path)
        XCTAssertEqual(net.widths.encoder, [8, 16, 32, 64, 64])
        XCTAssertEqual(net.widths.decoder, 4)
        let case_ = try SafetensorsFile(path: folder.appendingPathComponent("case.safetensors").path)
        let input = try case_.tensor("input"), expected = try case_.tensor("logits")
        let got = try net.forward(input)
        XCTAssertEqual(got.shape, expected.shape)
        let scale = expected.data.map(abs).max() ?? 1
        XCTAssertLessThan(Fixtures.maxAbsDiff(got.data, expected.data), 1e-4 * max(1, scale))
        // Each image of the batch alone gives its slice of the batch's answer.
        let plane = 3 * 64 * 64
        let second = try net.forward(Tensor(shape: [1, 3, 64, 64], data: Array(input.data[plane...])))
        XCTAssertLessThan(Fixtures.maxAbsDiff(second.data, Array(expected.data[(64 * 64)...])), 1e-4 * max(1, scale))
    }

    func testWeightsOutOfLayoutAreRefusedByTensorName() throws {
        let file = try SafetensorsFile(path: folder.appendingPathComponent("unet16-w8.safetensors").path)
        func loading(_ replace: [String: Tensor]) throws -> UNet16 {
            try UNet16(source: "w.safetensors", tensor: { try replace[$0] ?? file.tensor($0) })
        }
        XCTAssertNoThrow(try loading([:]))
        XCTAssertThrowsError(try loading(["dec3.conv1.weight": Tensor(zeros: [32, 99, 3, 3])])) { error in
            XCTAssertTrue("\(error)".contains("dec3.conv1.weight"), "\(error)")
        }
        XCTAssertThrowsError(try loading(["final.bias": Tensor(zeros: [2])])) { error in
            XCTAssertTrue("\(error)".contains("final.bias"), "\(error)")
        }
        let net = try loading([:])
        XCTAssertThrowsError(try net.forward(Tensor(zeros: [1, 3, 48, 64])), "48 is not a multiple of 32")
    }
}
