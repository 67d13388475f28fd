import Imaging
import Models
import NeuralEngine
import XCTest
@testable import Training

/// The small network, images and lesion masks the CAM-loss tests share.
protocol CAMTestInputs {}

extension CAMTestInputs {
    /// 128² input: layer4's maps are 4×4, so the map has cells inside and outside a lesion
    /// (at 32² they are 1×1 and the term would be constant).
    var side: Int { 128 }

    func makeModel() throws -> ResNet50 {
        try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 4, blockCounts: [1, 1, 1, 1], seed: 11,
                                                              randomBatchNorm: true))
    }

    /// Images 0 and 2 have a lesion in the upper-left quarter (image 2's only 3×3 pixels, so it
    /// touches one cell); image 1 has none (a negative contributes nothing).
    func masks() -> [[Bool]?] {
        func square(_ rows: Range<Int>, _ columns: Range<Int>) -> [Bool] {
            var m = [Bool](repeating: false, count: side * side)
            for r in rows { for c in columns { m[r * side + c] = true } }
            return m
        }
        return [square(10..<50, 5..<60), nil, square(70..<73, 100..<103)]
    }

    func input(_ n: Int) -> [Float] {
        var rng = SplitMix64(seed: 5)
        return (0..<(n * 3 * side * side)).map { _ in Float(rng.gaussian()) }
    }

    /// A random unit vector of `count` values (as `GradientCheckTests.direction`).
    func direction(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        let v = (0..<count).map { _ in rng.gaussian() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { Float($0 / norm) }
    }

    /// Checks `grads` (one per tensor of the model's store) and `inputGradient` against central
    /// differences of `loss` along a random unit direction per tensor and for the input, as
    /// `GradientCheckTests` does: |numeric − analytic| ≤ `relative` · |analytic| + 3e-3.
    /// Returns the worst relative error.
    @discardableResult
    func assertGradientsMatch(_ model: ResNet50, input x: [Float], grads: [[Float]], inputGradient gx: [Float],
                              eps: Float, relative: Double, seeds: UInt64, loss: ([Float]) -> Double,
                              file: StaticString = #filePath, line: UInt = #line) -> Double {
        let s = model.store
        var worst = 0.0
        func compare(_ name: String, analytic: Double, plus: Double, minus: Double) {
            let numeric = (plus - minus) / (2 * Double(eps))
            worst = max(worst, abs(numeric - analytic) / max(abs(analytic), 1e-3))
            XCTAssertLessThanOrEqual(abs(numeric - analytic), relative * abs(analytic) + 3e-3,
                                     "\(name): analytic \(analytic), numeric \(numeric)", file: file, line: line)
        }
        for p in 0..<s.count {
            let v = direction(s.values[p].count, seed: seeds + UInt64(p))
            let analytic = zip(grads[p], v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let saved = s.values[p]
            s.values[p] = zip(saved, v).map { $0 + eps * $1 }
            let plus = loss(x)
            s.values[p] = zip(saved, v).map { $0 - eps * $1 }
            let minus = loss(x)
            s.values[p] = saved
            compare(s.names[p], analytic: analytic, plus: plus, minus: minus)
        }
        let v = direction(x.count, seed: seeds - 1)
        compare("input", analytic: zip(gx, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) },
                plus: loss(zip(x, v).map { $0 + eps * $1 }), minus: loss(zip(x, v).map { $0 - eps * $1 }))
        return worst
    }
}
