import Models
import Imaging
import NeuralEngine
import XCTest
@testable import Training

/// Gradients on 2 engine threads (GEMMs split by column or row blocks, parallel im2col /
/// col2im and element loops) equal those on 1 thread up to summation order.
final class ThreadingTests: XCTestCase {
    func testGradientsIndependentOfThreadCount() throws {
        let side = 96
        var r = SplitMix64(seed: 11)
        let x = (0..<(8 * 3 * side * side)).map { _ in Float(r.gaussian()) }
        let y: [Float] = [1, 0, 0, 1, 1, 0, 1, 0]
        let weights = RandomResNetWeights.make(baseWidth: 8, blockCounts: [3, 4, 6, 3], seed: 7, randomBatchNorm: true)
        func grads(threads: Int) throws -> [[Float]] {
            EngineThreads.set(threads)
            defer { EngineThreads.set(1) }
            let m = try ResNet50(tensors: weights)
            m.store.zeroGradients()
            m.lossAndGradients(x, labels: y, height: side, width: side)
            return m.store.grads
        }
        let one = try grads(threads: 1), two = try grads(threads: 2)
        for (a, b) in zip(one, two) {
            let scale = a.map { abs($0) }.max() ?? 0
            for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-4 * max(scale, 1e-6)) }
        }
        XCTAssertGreaterThan(one.flatMap { $0 }.map { abs($0) }.max() ?? 0, 0)
    }
}
