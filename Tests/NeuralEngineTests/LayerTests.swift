import Imaging
import XCTest
@testable import NeuralEngine

/// Forward against plain-loop references or hand-computed values, backward by finite differences.
final class LayerTests: XCTestCase {
    func testBiasActivateWithResidualAndReLU() {
        var y: [Float] = [1, -2, 3, -4]  // 2 channels × plane 2
        let res: [Float] = [0.5, 0.5, -10, 2]
        Elementwise.biasActivate(&y, bias: [1, -1], channels: 2, plane: 2, residual: res, relu: true)
        XCTAssertEqual(y, [2.5, 0, 0, 0])
        var z: [Float] = [1, -2, 3, -4]
        Elementwise.biasActivate(&z, bias: [1, -1], channels: 2, plane: 2, relu: false)
        XCTAssertEqual(z, [2, -1, 2, -5])
    }

    /// Bilinear ×2 with half-pixel centres (PyTorch align_corners=False; the U-Net's decoder), by hand: output o
    /// samples o/2 − 1/4, clamped: rows and columns at 0, 0.25, 0.75, 1 of the 2×2 input.
    func testBilinearDoublingByHand() {
        let x: [Float] = [0, 1, 2, 3, 10, 10, 10, 10]  // two planes of 2×2
        var y = [Float](repeating: -1, count: 32)
        Bilinear.resize(x, planes: 2, height: 2, width: 2, toHeight: 4, width: 4, into: &y)
        XCTAssertEqual(Array(y[0..<16]), [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3])
        XCTAssertEqual(Array(y[16...]), [Float](repeating: 10, count: 16), "a flat plane stays flat")
    }

    /// The backward pass is the forward's adjoint: ⟨up(x), y⟩ = ⟨x, upᵀ(y)⟩ for random x, y.
    func testBilinearDoublingBackwardIsTheAdjoint() {
        var rng = TestRNG(12)
        let (planes, h, w) = (3, 5, 7)
        let x = rng.array(planes * h * w), y = rng.array(planes * 4 * h * w)
        var up = [Float](repeating: 0, count: y.count), back = [Float](repeating: 0, count: x.count)
        Bilinear.resize(x, planes: planes, height: h, width: w, toHeight: 2 * h, width: 2 * w, into: &up)
        Bilinear.resizeBackward(y, planes: planes, height: h, width: w, fromHeight: 2 * h, width: 2 * w, into: &back)
        XCTAssertEqual(dot(up, y), dot(x, back), accuracy: 1e-4)
    }

    func testReLUBackwardByFiniteDifferences() {
        var rng = TestRNG(10)
        // keep inputs away from the kink
        let x = rng.array(64).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let r = rng.array(64)
        let relu: ([Float]) -> [Float] = { v in
            var y = v
            Elementwise.biasActivate(&y, bias: [0], channels: 1, plane: v.count, relu: true)
            return y
        }
        var g = r
        Elementwise.reluBackward(&g, output: relu(x), count: 64)
        checkGradient({ dot(r, relu($0)) }, at: x, gradient: g, coordinates: Array(0..<64), "relu")
        // the sub-batch variant picks the right images: 2 channels, N = 3, images [2, 0];
        // planes of 4 and 13 (eight lanes at a time, then the rest one by one)
        for plane in [4, 13] {
            let out: [Float] = (0..<(6 * plane)).map { Float($0 % 3) - 1 }  // mix of −1, 0, 1
            var gs = [Float](repeating: 1, count: 2 * 2 * plane)
            Elementwise.reluBackward(&gs, output: out, channels: 2, n: 3, plane: plane, images: [2, 0])
            for c in 0..<2 { for (j, img) in [2, 0].enumerated() { for i in 0..<plane {
                XCTAssertEqual(gs[(c * 2 + j) * plane + i], out[(c * 3 + img) * plane + i] > 0 ? 1 : 0)
            } } }
        }
    }

    func testMaxPoolMatchesReferenceAndBackward() {
        var rng = TestRNG(11)
        let (planes, h, w) = (3, 9, 8)
        let x = rng.array(planes * h * w)
        let ho = Pooling.maxPoolOutput(h), wo = Pooling.maxPoolOutput(w)
        XCTAssertEqual([ho, wo], [5, 4])
        let pool: ([Float]) -> [Float] = { v in
            var y = [Float](repeating: 0, count: planes * ho * wo)
            Pooling.maxPool(v, planes: planes, height: h, width: w, into: &y)
            return y
        }
        XCTAssertEqual(pool(x), Reference.maxPool(x, planes: planes, h: h, w: w, kernel: 3, stride: 2, padding: 1))
        // the 3×3/2 fast path on odd, even and tiny sizes, and the generic path (2×2/2)
        for (ph, pw) in [(1, 1), (2, 3), (7, 6), (112, 112)] {
            let v = rng.array(2 * ph * pw)
            let oh = Pooling.maxPoolOutput(ph), ow = Pooling.maxPoolOutput(pw)
            var got = [Float](repeating: 0, count: 2 * oh * ow)
            Pooling.maxPool(v, planes: 2, height: ph, width: pw, into: &got)
            XCTAssertEqual(got, Reference.maxPool(v, planes: 2, h: ph, w: pw, kernel: 3, stride: 2, padding: 1), "\(ph)×\(pw)")
        }
        var g2 = [Float](repeating: 0, count: planes * 4 * 4)
        Pooling.maxPool(x, planes: planes, height: h, width: w, kernel: 2, stride: 2, padding: 0, into: &g2)
        XCTAssertEqual(g2, Reference.maxPool(x, planes: planes, h: h, w: w, kernel: 2, stride: 2, padding: 0))
        let r = rng.array(planes * ho * wo)
        var dx = [Float](repeating: 0, count: x.count)
        Pooling.maxPoolBackward(x, r, planes: planes, height: h, width: w, into: &dx)
        // values are distinct and ≥ 1e-3 apart with high probability; h small keeps the max fixed
        checkGradient({ dot(r, pool($0)) }, at: x, gradient: dx, coordinates: Array(0..<x.count), h: 1e-4, tol: 2e-2, "maxpool")
    }

    func testGlobalAverageAndBackward() {
        let x: [Float] = [1, 2, 3, 4, 10, 20, 30, 40]
        var y: [Float] = [0, 0]
        Pooling.globalAverage(x, planes: 2, plane: 4, into: &y)
        XCTAssertEqual(y, [2.5, 25])
        let r: [Float] = [2, -1]
        var dx = [Float](repeating: 0, count: 8)
        Pooling.globalAverageBackward(r, planes: 2, plane: 4, into: &dx)
        let f: ([Float]) -> Double = { v in
            var p: [Float] = [0, 0]
            Pooling.globalAverage(v, planes: 2, plane: 4, into: &p)
            return dot(r, p)
        }
        checkGradient(f, at: x, gradient: dx, coordinates: Array(0..<8), "avgpool")
    }

    func testLinearForwardAndBackward() {
        let lin = Linear(weight: [1, 2, 3, -1, 0, 1], bias: [0.5, -0.5], inFeatures: 3, outFeatures: 2)
        var y = [Float](repeating: 0, count: 4)
        lin.forward([1, 1, 1, 2, 0, -1], n: 2, into: &y)
        XCTAssertEqual(y, [6.5, -0.5, -0.5, -3.5])
        var rng = TestRNG(12)
        let x = rng.array(6), r = rng.array(4)
        var dx = [Float](repeating: 0, count: 6)
        lin.backwardInput(r, n: 2, into: &dx)
        let f: ([Float]) -> Double = { v in
            var o = [Float](repeating: 0, count: 4)
            lin.forward(v, n: 2, into: &o)
            return dot(r, o)
        }
        checkGradient(f, at: x, gradient: dx, coordinates: Array(0..<6), "linear dX")
        var dW = [Float](repeating: 0, count: 6), dB: [Float] = [0, 0]
        lin.backwardWeights(x, r, n: 2, dW: &dW, dB: &dB)
        let fw: ([Float]) -> Double = { w in
            var o = [Float](repeating: 0, count: 4)
            Linear(weight: w, bias: lin.bias, inFeatures: 3, outFeatures: 2).forward(x, n: 2, into: &o)
            return dot(r, o)
        }
        checkGradient(fw, at: lin.weight, gradient: dW, coordinates: Array(0..<6), "linear dW")
        XCTAssertEqual(dB[0], r[0] + r[2], accuracy: 1e-6)
    }

    func testBilinearMatchesReferenceAndReadmeFacts() {
        var rng = TestRNG(13)
        for (n, m) in [(28, 224), (14, 224), (5, 3), (4, 9)] {
            let x = rng.array(n * n)
            var y = [Float](repeating: 0, count: m * m)
            Bilinear.resize(x, planes: 1, height: n, width: n, toHeight: m, width: m, into: &y)
            XCTAssertLessThan(maxAbsDiff(y, Reference.resize(x, h: n, w: n, toHeight: m, width: m)), 1e-6, "\(n)→\(m)")
        }
        // n = 28 → 224: outputs 0...3 copy row 0, 220...223 copy row 27; n = 14: 0...7 and 216...223.
        let t28 = Bilinear.Taps(input: 28, output: 224), t14 = Bilinear.Taps(input: 14, output: 224)
        for d in 0...3 { XCTAssertEqual(t28.i0[d], 0); XCTAssertEqual(t28.f[d], 0) }
        for d in 220...223 { XCTAssertEqual(t28.i0[d], 27); XCTAssertEqual(t28.f[d], 0) }
        for d in 0...7 { XCTAssertEqual(t14.i0[d], 0); XCTAssertEqual(t14.f[d], 0) }
        for d in 216...223 { XCTAssertEqual(t14.i0[d], 13); XCTAssertEqual(t14.f[d], 0) }
        XCTAssertEqual(t28.f[4], 1.0 / 16)  // src = 4.5/8 − 0.5
        XCTAssertEqual(t14.f[8], 1.0 / 32)
    }

    func testBilinearBackwardByFiniteDifferences() {
        var rng = TestRNG(14)
        let x = rng.array(2 * 5 * 4), r = rng.array(2 * 7 * 9)
        let f: ([Float]) -> Double = { v in
            var y = [Float](repeating: 0, count: 2 * 63)
            Bilinear.resize(v, planes: 2, height: 5, width: 4, toHeight: 7, width: 9, into: &y)
            return dot(r, y)
        }
        var dx = [Float](repeating: 0, count: 40)
        Bilinear.resizeBackward(r, planes: 2, height: 5, width: 4, fromHeight: 7, width: 9, into: &dx)
        checkGradient(f, at: x, gradient: dx, coordinates: Array(0..<40), "bilinear")
    }

    /// Hand-computed Grad-CAM on K = 2 channels of 2×2.
    func testGradCAMHandComputed() {
        let a: [Float] = [1, 2, 3, 4, 4, 3, 2, 1]
        let g: [Float] = [0.1, 0.1, 0.1, 0.1, -0.2, 0, 0, 0]  // α = [0.1, −0.05]
        let m = GradCAMMath.map(activations: a, gradients: g, channels: 2, height: 2, width: 2, upsampleTo: 4)
        XCTAssertEqual(m.alpha[0], 0.1, accuracy: 1e-7)
        XCTAssertEqual(m.alpha[1], -0.05, accuracy: 1e-7)
        // Σ α A = [0.1−0.2, 0.2−0.15, 0.3−0.1, 0.4−0.05] → ReLU → [0, 0.05, 0.2, 0.35]
        for (v, e) in zip(m.raw, [0, 0.05, 0.2, 0.35] as [Float]) { XCTAssertEqual(v, e, accuracy: 1e-6) }
        for (v, e) in zip(m.normalised, [0, 1.0 / 7, 4.0 / 7, 1] as [Float]) { XCTAssertEqual(v, e, accuracy: 1e-6) }
        XCTAssertEqual(m.upsampled[0], 0)  // corner copies the corner
        XCTAssertEqual(m.upsampled[15], 1, accuracy: 1e-6)
        // A flat map normalises to zeros.
        let flat = GradCAMMath.map(activations: a, gradients: [Float](repeating: -1, count: 8), channels: 2, height: 2, width: 2, upsampleTo: 4)
        XCTAssertEqual(flat.normalised, [0, 0, 0, 0])
        XCTAssertEqual(flat.upsampled, [Float](repeating: 0, count: 16))
    }
}
