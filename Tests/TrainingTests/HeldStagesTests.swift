import Models
import Imaging
import Foundation
import NeuralEngine
import XCTest
@testable import Training

/// Training only the later stages (`train(fromStage:)`, LP-FT): held tensors do not move, the
/// trained ones get the gradients a whole backward pass gives them, and the training graph
/// loads a deflated CT backbone like the inference graph does.
final class HeldStagesTests: XCTestCase {
    static let side = 64

    static func model() throws -> ResNet50 {
        try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 4, blockCounts: [1, 2, 1, 1], seed: 9))
    }

    static func batch() -> (x: [Float], labels: [Float]) {
        var r = SplitMix64(seed: 4)
        let x = (0..<(2 * 3 * side * side)).map { _ in Float(r.gaussian()) }
        return (x, [1, 0])
    }

    func testHeldStagesKeepTheirWeightsAndTrainedOnesGetTheFullPassGradients() throws {
        let (x, labels) = Self.batch()
        let full = try Self.model()
        full.store.zeroGradients()
        full.lossAndGradients(x, labels: labels, height: Self.side, width: Self.side)

        let partial = try Self.model()
        partial.train(fromStage: 4)
        let before = partial.store.values
        let adam = Adam(store: partial.store, learningRate: 1e-2, weightDecay: 0.1)
        partial.trainStep(x, labels: labels, height: Self.side, width: Self.side, optimizer: adam)
        var movedTrained = 0
        for (i, name) in partial.store.names.enumerated() {
            let stage = ResNet50.stage(of: name)
            if stage < 4 {
                XCTAssertEqual(partial.store.values[i], before[i], "\(name) is held (weight decay included)")
                XCTAssertTrue(partial.store.grads[i].allSatisfy { $0 == 0 }, "\(name): no gradient computed")
            } else {
                if partial.store.values[i] != before[i] { movedTrained += 1 }
                let g = partial.store.grads[i], h = full.store.grads[full.store.index(of: name)!]
                let scale = max(h.map(abs).max() ?? 0, 1e-12)
                XCTAssertLessThan(zip(g, h).map { abs($0 - $1) }.max()! / scale, 1e-5, "\(name) gradient")
            }
        }
        XCTAssertGreaterThan(movedTrained, 0, "layer4 and fc are trained")
    }

    func testStageOfEveryTensorName() {
        XCTAssertEqual(ResNet50.stage(of: "conv1.weight"), 0)
        XCTAssertEqual(ResNet50.stage(of: "bn1.bias"), 0)
        XCTAssertEqual(ResNet50.stage(of: "layer1.0.conv1.weight"), 1)
        XCTAssertEqual(ResNet50.stage(of: "layer4.2.downsample.1.weight"), 4)
        XCTAssertEqual(ResNet50.stage(of: "fc.weight"), 5)
    }

    func testTrainingGraphLoadsTheDeflatedFixtureAndAgreesWithThe3DNetwork() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ModelsTests/Fixtures/deflation.safetensors").standardizedFileURL.path
        let file = try SafetensorsFile(path: path)
        // The fixture also holds its input and expected values: load the network's tensors only.
        let names = file.tensorNames.filter { !$0.hasPrefix("input") && !$0.hasPrefix("expected.") }
        var tensors: [String: Tensor] = [:]
        for n in names { tensors[n] = try file.tensor(n) }
        let model = try ResNet50(tensors: tensors)
        XCTAssertEqual(model.blockCounts, [1, 2, 1, 1])
        let input = try file.tensor("input")
        let logit = model.logits(input.data, n: 1, height: 32, width: 32)[0]
        let expected = try file.tensor("expected.logit").data[0]
        XCTAssertEqual(logit, expected, accuracy: 1e-4 * max(1, abs(expected)))
    }
}
