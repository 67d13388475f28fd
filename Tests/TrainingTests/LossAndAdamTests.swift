import Models
import NeuralEngine
import XCTest
@testable import Training

final class LossAndAdamTests: XCTestCase {
    func testBCEHandValuesAndStability() {
        // z = 0, y = 1: log 2; z = 100, y = 0: 100 (naive form overflows); z = −100, y = 0: e^−100 ≈ 0.
        let (loss, grad) = BCEWithLogits.lossAndGradient(logits: [0, 100, -100, 2], labels: [1, 0, 0, 1])
        let expected = (log(2.0) + 100 + exp(-100.0) + log1p(exp(-2.0))) / 4
        XCTAssertEqual(loss, expected, accuracy: 1e-9)
        XCTAssertEqual(grad[0], -0.5 / 4, accuracy: 1e-7)
        XCTAssertEqual(grad[1], 1 / 4, accuracy: 1e-7)
        XCTAssertEqual(grad[2], 0, accuracy: 1e-7)
        XCTAssertEqual(Double(grad[3]), (1 / (1 + exp(-2.0)) - 1) / 4, accuracy: 1e-7)
        XCTAssertTrue(loss.isFinite)
    }

    func testAdamStepsByLearningRateAndDecay() throws {
        let store = ParameterStore()
        store.add("w", Tensor(shape: [2], data: [1, -2]), decay: true)
        store.add("b", Tensor(shape: [1], data: [3]), decay: false)
        let adam = Adam(store: store, learningRate: 0.1, weightDecay: 0.5)
        store.grads = [[0.5, -4], [2]]
        adam.update(store)
        // First step: m̂/√v̂ = g/|g| = ±1, so θ −= lr·(sign g + wd·θ) for decayed tensors.
        XCTAssertEqual(store.values[0][0], 1 - 0.1 * (1 + 0.5 * 1), accuracy: 1e-6)
        XCTAssertEqual(store.values[0][1], -2 - 0.1 * (-1 + 0.5 * -2), accuracy: 1e-6)
        XCTAssertEqual(store.values[1][0], 3 - 0.1, accuracy: 1e-6)
        // Second step, same gradient: m̂ = g, v̂ = g², the same unit step.
        adam.update(store)
        XCTAssertEqual(store.values[1][0], 3 - 0.2, accuracy: 1e-5)
        XCTAssertEqual(adam.step, 2)
    }
}
