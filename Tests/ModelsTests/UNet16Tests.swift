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

/// The backward pass against central differences of the forward pass, for a loss
/// L = Σ r ⊙ logits with fixed random r, on the width-8 model at 32×32 (every stage runs).
/// The step is a compromise: a bias moves many ReLUs and pool maxima, whose kinks bias a
/// wide difference (dec4.conv2.bias[0]: −0.134 at h = 1e-2, −0.108 at 1e-3, towards the
/// analytic −0.087), while Float32 rounding blurs a narrow one (±2 % at 5e-4).
final class UNet16GradientTests: XCTestCase {
    func testParameterGradientsMatchFiniteDifferences() throws {
        let folder = SharedFolder.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/unet16")
        let net = try UNet16(path: folder.appendingPathComponent("unet16-w8.safetensors").path)
        net.forInference = false
        var state: UInt64 = 9
        func random() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) - 0.5 }
        let input = Tensor(shape: [2, 3, 32, 32], data: (0..<(2 * 3 * 32 * 32)).map { _ in 2 * random() })
        let r = (0..<(2 * 32 * 32)).map { _ in random() }
        func loss() throws -> Double {
            zip(try net.forward(input).data, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        net.store.zeroGradients()
        net.backward(try net.trainingForward(input), gradient: r)
        // A few coordinates of tensors across the network: first and last encoder convs,
        // the center, a decoder block, dec1 and the head (weights and biases).
        let names = ["encoder.0.weight", "encoder.14.bias", "encoder.28.weight", "center.conv1.weight", "dec4.conv2.bias",
                     "dec2.conv1.weight", "dec1.weight", "final.weight", "final.bias"]
        for name in names {
            let p = try XCTUnwrap(net.store.names.firstIndex(of: name))
            for i in [0, net.store.values[p].count / 2, net.store.values[p].count - 1] {
                let keep = net.store.values[p][i], h: Float = 1e-3
                net.store.values[p][i] = keep + h; net.store.changed()
                let up = try loss()
                net.store.values[p][i] = keep - h; net.store.changed()
                let down = try loss()
                net.store.values[p][i] = keep; net.store.changed()
                let numeric = (up - down) / Double(2 * h), analytic = Double(net.store.grads[p][i])
                XCTAssertEqual(analytic, numeric, accuracy: 3e-2 * max(1, abs(numeric)), "\(name)[\(i)]")
            }
        }
    }

    /// Freezing the first stages changes nothing above them and leaves their gradients zero.
    func testFrozenStagesGetNoGradientsAndTheRestTheSame() throws {
        let folder = SharedFolder.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/unet16")
        let net = try UNet16(path: folder.appendingPathComponent("unet16-w8.safetensors").path)
        net.forInference = false
        let pixels: [Float] = (0..<(3 * 32 * 32)).map { i in Float((i * 37) % 101) / 50 - 1 }
        let input = Tensor(shape: [1, 3, 32, 32], data: pixels)
        let r: [Float] = (0..<(32 * 32)).map { i in Float((i * 53) % 97) / 48 - 1 }
        net.store.zeroGradients()
        net.backward(try net.trainingForward(input), gradient: r)
        let full = net.store.grads
        net.frozenEncoderStages = 2
        net.store.zeroGradients()
        net.backward(try net.trainingForward(input), gradient: r)
        for (i, name) in net.store.names.enumerated() {
            let frozen = ["encoder.0.", "encoder.2.", "encoder.5.", "encoder.7."].contains { name.hasPrefix($0) }
            XCTAssertEqual(net.store.held[i], frozen, name)
            if frozen {
                XCTAssertTrue(net.store.grads[i].allSatisfy { $0 == 0 }, name)
            } else {
                XCTAssertEqual(net.store.grads[i], full[i], name)
            }
        }
    }
}
