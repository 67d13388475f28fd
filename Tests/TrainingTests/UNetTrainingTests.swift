import Foundation
import Models
import NeuralEngine
import XCTest
@testable import Training

/// The lung U-Net learns: a narrow network on a task it can solve (the label is the bright
/// disc in the image) lowers its loss and reaches a high Dice within a few dozen steps.
final class UNetTrainingTests: XCTestCase {
    private func disc(_ seed: Int, size: Int) -> (input: [Float], label: [Float]) {
        let cx = Double(8 + seed % 16), cy = Double(8 + (seed * 7) % 16), r = Double(5 + seed % 4)
        var label = [Float](repeating: 0, count: size * size)
        for y in 0..<size { for x in 0..<size where (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy) <= r * r {
            label[y * size + x] = 1
        } }
        let channel = label.map { $0 * 2 - 1 }
        return (channel + channel + channel, label)
    }

    func testLossFallsAndDiceRisesOnASolvableTask() throws {
        let tensors = try UNetWeights.initial(encoder: [8, 8, 16, 16, 16], decoder: 4, seed: 3)
        let net = try UNet16(source: "fresh", tensor: { name in
            guard let t = tensors[name] else { throw EngineError(.missingTensor, tensor: name, "not made") }
            return t
        })
        let trainer = UNetTrainer(network: net, learningRate: 3e-3)
        let size = 32, count = 4
        var losses: [Double] = []
        for step in 0..<40 {
            let batch = (0..<count).map { disc(step * count + $0, size: size) }
            losses.append(try trainer.step(inputs: batch.flatMap(\.input), labels: batch.flatMap(\.label), count: count, size: size).loss)
        }
        let held = (1000..<1004).map { disc($0, size: size) }
        let dice = try trainer.dice(inputs: held.flatMap(\.input), labels: held.flatMap(\.label), count: 4, size: size)
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, 0.5 * losses.prefix(5).reduce(0, +) / 5, "\(losses)")
        XCTAssertGreaterThan(dice.reduce(0, +) / 4, 0.8, "\(dice)")
    }

    func testPretrainedEncoderIsUsedAndCheckedByShape() throws {
        let vgg = ["encoder.0.weight": Tensor(shape: [8, 3, 3, 3], data: [Float](repeating: 0.5, count: 216)),
                   "encoder.0.bias": Tensor(shape: [8], data: [Float](repeating: 0.25, count: 8))]
        let t = try UNetWeights.initial(encoder: [8, 8, 16, 16, 16], decoder: 4, pretrained: vgg)
        XCTAssertEqual(t["encoder.0.weight"], vgg["encoder.0.weight"])
        XCTAssertNotEqual(t["encoder.2.weight"]?.data.first, 0.5, "the rest is drawn")
        XCTAssertEqual(t.count, 2 * (13 + 10 + 2))
        XCTAssertThrowsError(try UNetWeights.initial(encoder: [16, 8, 16, 16, 16], decoder: 4, pretrained: vgg)) { error in
            XCTAssertTrue("\(error)".contains("encoder.0"), "\(error)")
        }
    }
}
