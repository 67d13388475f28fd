import XCTest
@testable import NeuralEngine

final class ConvolutionTests: XCTestCase {
    struct Config { let n, c, h, w, co, k, s, p: Int }
    static let configs = [
        Config(n: 2, c: 3, h: 9, w: 7, co: 4, k: 1, s: 1, p: 0),   // plain GEMM path
        Config(n: 2, c: 5, h: 9, w: 8, co: 3, k: 1, s: 2, p: 0),   // strided downsample
        Config(n: 3, c: 4, h: 8, w: 8, co: 6, k: 3, s: 1, p: 1),
        Config(n: 2, c: 4, h: 9, w: 10, co: 5, k: 3, s: 2, p: 1),
        Config(n: 2, c: 3, h: 13, w: 11, co: 4, k: 7, s: 2, p: 3), // stem-like
        // wide rows: stride-2 im2col copies eight outputs at a time, then the rest
        Config(n: 1, c: 2, h: 5, w: 45, co: 3, k: 7, s: 2, p: 3),
        Config(n: 2, c: 2, h: 4, w: 38, co: 2, k: 1, s: 2, p: 0),
    ]

    func runForward(_ conv: Conv2D, _ x: [Float], _ cf: Config, accumulateOnto base: [Float]? = nil) -> [Float] {
        let (ho, wo) = conv.outputSize(height: cf.h, width: cf.w)
        var y = base ?? [Float](repeating: 0, count: cf.co * cf.n * ho * wo)
        let ws = Workspace()
        conv.forward(x, n: cf.n, height: cf.h, width: cf.w, into: &y, accumulate: base != nil, workspace: ws)
        return y
    }

    /// BLAS conv (planes layout, bias by the epilogue) equals the plain-loop reference.
    func testForwardMatchesReference() {
        var rng = TestRNG(1)
        for cf in Self.configs {
            let x = rng.array(cf.n * cf.c * cf.h * cf.w)
            let wt = rng.array(cf.co * cf.c * cf.k * cf.k)
            let b = rng.array(cf.co)
            let conv = Conv2D(weight: wt, bias: b, inChannels: cf.c, outChannels: cf.co, kernel: cf.k, stride: cf.s, padding: cf.p)
            let (ho, wo) = conv.outputSize(height: cf.h, width: cf.w)
            var y = runForward(conv, toPlanes(x, n: cf.n, c: cf.c, plane: cf.h * cf.w), cf)
            Elementwise.biasActivate(&y, bias: b, channels: cf.co, plane: cf.n * ho * wo, relu: false)
            let ref = Reference.conv2d(x, n: cf.n, c: cf.c, h: cf.h, w: cf.w, weight: wt, bias: b,
                                       outChannels: cf.co, kernel: cf.k, stride: cf.s, padding: cf.p)
            XCTAssertLessThan(maxAbsDiff(fromPlanes(y, n: cf.n, c: cf.co, plane: ho * wo), ref), 1e-5, "\(cf)")
        }
    }

    /// Splitting the batch into im2col chunks gives the same result as one chunk.
    func testChunkedIm2colMatchesSingleChunk() {
        var rng = TestRNG(2)
        let cf = Config(n: 5, c: 4, h: 8, w: 8, co: 3, k: 3, s: 1, p: 1)
        let x = rng.array(cf.n * cf.c * cf.h * cf.w)
        var conv = Conv2D(weight: rng.array(3 * 4 * 9), inChannels: 4, outChannels: 3, kernel: 3, padding: 1)
        let whole = runForward(conv, x, cf)
        conv.policy.columnBudget = 4 * 9 * 64 * 2  // two images per chunk
        XCTAssertEqual(conv.chunkSize(n: 5, outPlane: 64), 2)
        XCTAssertLessThan(maxAbsDiff(runForward(conv, x, cf), whole), 1e-6)
        // accumulate adds onto what is there
        let ones = [Float](repeating: 1, count: whole.count)
        XCTAssertLessThan(maxAbsDiff(runForward(conv, x, cf, accumulateOnto: ones), whole.map { $0 + 1 }), 1e-6)
    }

    /// Conv + BN folded (in Double) equals conv followed by BN.
    func testBatchNormFolding() {
        var rng = TestRNG(3)
        let cf = Config(n: 1, c: 3, h: 6, w: 6, co: 4, k: 3, s: 1, p: 1)
        let x = rng.array(3 * 36), wt = rng.array(4 * 3 * 9)
        let gamma = rng.array(4).map { 1 + 0.5 * $0 }, beta = rng.array(4)
        let mean = rng.array(4, scale: 3), variance = rng.array(4).map { 0.1 + abs($0) * 10 }
        let conv = Conv2D.foldingBatchNorm(weight: wt, inChannels: 3, outChannels: 4, kernel: 3, stride: 1, padding: 1,
                                           gamma: gamma, beta: beta, mean: mean, variance: variance)
        var y = runForward(conv, x, cf)
        Elementwise.biasActivate(&y, bias: conv.bias, channels: 4, plane: 36, relu: false)
        let plain = Reference.conv2d(x, n: 1, c: 3, h: 6, w: 6, weight: wt, bias: [0, 0, 0, 0], outChannels: 4, kernel: 3, stride: 1, padding: 1)
        let ref = Reference.batchNorm(plain, n: 1, c: 4, plane: 36, gamma: gamma, beta: beta, mean: mean, variance: variance)
        XCTAssertLessThan(maxAbsDiff(y, ref), 2e-5)
    }

    /// backwardInput and backwardWeights against finite differences of L = Σ r·conv(x).
    func testBackwardByFiniteDifferences() {
        var rng = TestRNG(4)
        for cf in Self.configs {
            let x = rng.array(cf.n * cf.c * cf.h * cf.w)  // planes layout throughout
            let wt = rng.array(cf.co * cf.c * cf.k * cf.k)
            var conv = Conv2D(weight: wt, inChannels: cf.c, outChannels: cf.co, kernel: cf.k, stride: cf.s, padding: cf.p)
            conv.policy.winogradMinTiles = 0  // the 3×3 stride-1 case goes through Winograd
            let (ho, wo) = conv.outputSize(height: cf.h, width: cf.w)
            let r = rng.array(cf.co * cf.n * ho * wo)
            let ws = Workspace()
            var dx = [Float](repeating: 0, count: x.count)
            conv.backwardInput(r, n: cf.n, height: cf.h, width: cf.w, into: &dx, workspace: ws)
            let lossX: ([Float]) -> Double = { dot(r, self.runForward(conv, $0, cf)) }
            checkGradient(lossX, at: x, gradient: dx, coordinates: Array(stride(from: 0, to: x.count, by: 7)), "conv dX \(cf)")

            var dW = [Float](repeating: 0, count: wt.count), dB = [Float](repeating: 0, count: cf.co)
            conv.backwardWeights(x, r, n: cf.n, height: cf.h, width: cf.w, dW: &dW, dB: &dB, workspace: ws)
            let lossW: ([Float]) -> Double = { w in
                var c2 = Conv2D(weight: w, inChannels: cf.c, outChannels: cf.co, kernel: cf.k, stride: cf.s, padding: cf.p)
                c2.policy = conv.policy
                return dot(r, self.runForward(c2, x, cf))
            }
            checkGradient(lossW, at: wt, gradient: dW, coordinates: Array(stride(from: 0, to: wt.count, by: 5)), "conv dW \(cf)")
            // bias gradient: Σ of r over each output channel
            for o in 0..<cf.co {
                let s = r[(o * cf.n * ho * wo)..<((o + 1) * cf.n * ho * wo)].reduce(0, +)
                XCTAssertEqual(dB[o], s, accuracy: 1e-4)
            }
        }
    }

    /// Winograd F(2×2, 3×3) equals the im2col path, forward and backward, on even and odd
    /// sizes, in one chunk and in several.
    func testWinogradMatchesIm2col() {
        var rng = TestRNG(5)
        for (n, c, co, h, w) in [(2, 3, 5, 8, 8), (3, 4, 2, 7, 7), (1, 5, 3, 5, 9), (2, 2, 2, 1, 2), (2, 2, 3, 6, 34), (1, 2, 2, 3, 33)] {
            var conv = Conv2D(weight: rng.array(co * c * 9), inChannels: c, outChannels: co, kernel: 3, padding: 1)
            conv.policy.winogradMinTiles = 0  // Winograd even for these small maps
            XCTAssertNotNil(conv.useWinogradFor(n: n, height: h, width: w))
            let cf = Config(n: n, c: c, h: h, w: w, co: co, k: 3, s: 1, p: 1)
            let x = rng.array(n * c * h * w), dy = rng.array(n * co * h * w)
            let base = rng.array(n * co * h * w)
            func run() -> ([Float], [Float], [Float]) {
                var dx = [Float](repeating: 0, count: x.count)
                conv.backwardInput(dy, n: n, height: h, width: w, into: &dx, workspace: Workspace())
                return (runForward(conv, x, cf), runForward(conv, x, cf, accumulateOnto: base), dx)
            }
            conv.policy.winograd = false
            let (y0, ya0, dx0) = run()
            conv.policy.winograd = true
            let (y1, ya1, dx1) = run()
            XCTAssertLessThan(maxAbsDiff(y0, y1), 1e-5, "forward \(cf)")
            XCTAssertLessThan(maxAbsDiff(ya0, ya1), 1e-5, "accumulate \(cf)")
            XCTAssertLessThan(maxAbsDiff(dx0, dx1), 1e-5, "backward \(cf)")
            conv.policy.columnBudget = 16 * max(c, co) * ((h + 1) / 2) * ((w + 1) / 2)  // one image per chunk
            let (y2, _, dx2) = run()
            XCTAssertLessThan(maxAbsDiff(y0, y2), 1e-5, "chunked forward \(cf)")
            XCTAssertLessThan(maxAbsDiff(dx0, dx2), 1e-5, "chunked backward \(cf)")
        }
    }

    /// Whether a 3×3 convolution takes the Winograd path depends on the map size only, not on
    /// the batch size: 7×7 maps (16 tiles) do, 5×5 maps (9 tiles) do not.
    func testWinogradPathIsChosenPerImage() {
        let conv = Conv2D(weight: [Float](repeating: 0.1, count: 4 * 4 * 9), inChannels: 4, outChannels: 4, kernel: 3, padding: 1)
        for n in [1, 3, 16] {
            XCTAssertNotNil(conv.useWinogradFor(n: n, height: 7, width: 7), "n \(n)")
            XCTAssertNil(conv.useWinogradFor(n: n, height: 5, width: 5), "n \(n)")
        }
    }

    /// Winograd F(4×4, 3×3) equals the im2col path: plain, accumulating and with the fused
    /// bias+ReLU, on sizes that are and are not multiples of 4 (partial tiles, more than
    /// eight tiles a row), in one chunk and in several.
    func testWinogradF4MatchesIm2col() {
        var rng = TestRNG(7)
        for (n, c, co, h, w) in [(2, 3, 5, 8, 8), (3, 4, 2, 7, 7), (1, 5, 3, 5, 9), (2, 2, 2, 1, 2), (2, 2, 3, 6, 38), (1, 2, 2, 14, 33)] {
            var conv = Conv2D(weight: rng.array(co * c * 9), bias: rng.array(co), inChannels: c, outChannels: co,
                              kernel: 3, padding: 1)
            conv.prepareWinogradF4()
            conv.policy.winogradF4MinTiles = 0
            XCTAssertNotNil(conv.useWinogradF4For(n: n, height: h, width: w))
            let cf = Config(n: n, c: c, h: h, w: w, co: co, k: 3, s: 1, p: 1)
            let x = rng.array(n * c * h * w), base = rng.array(n * co * h * w)
            func run() -> ([Float], [Float], [Float]) {
                var fused = [Float](repeating: .nan, count: base.count)
                conv.forward(x, n: n, height: h, width: w, into: &fused, biasReLU: true, workspace: Workspace())
                return (runForward(conv, x, cf), runForward(conv, x, cf, accumulateOnto: base), fused)
            }
            conv.policy.winograd = false
            let (y0, ya0, f0) = run()
            conv.policy.winograd = true
            let (y1, ya1, f1) = run()
            XCTAssertLessThan(maxAbsDiff(y0, y1), 1e-5, "forward \(cf)")
            XCTAssertLessThan(maxAbsDiff(ya0, ya1), 1e-5, "accumulate \(cf)")
            XCTAssertLessThan(maxAbsDiff(f0, f1), 1e-5, "bias+ReLU \(cf)")
            conv.policy.columnBudget = 1  // one image per chunk
            conv.policy.winogradF4ChunkTiles = 1
            let (y2, _, _) = run()
            XCTAssertLessThan(maxAbsDiff(y0, y2), 1e-5, "chunked forward \(cf)")
        }
    }

    /// The fused bias+ReLU epilogue equals the conv followed by `biasActivate`, on the
    /// pointwise, chunked im2col and Winograd paths.
    func testFusedBiasReLU() {
        var rng = TestRNG(6)
        for cf in Self.configs {
            var conv = Conv2D(weight: rng.array(cf.co * cf.c * cf.k * cf.k), bias: rng.array(cf.co),
                              inChannels: cf.c, outChannels: cf.co, kernel: cf.k, stride: cf.s, padding: cf.p)
            let (ho, wo) = conv.outputSize(height: cf.h, width: cf.w)
            conv.policy.winogradMinTiles = 0
            conv.policy.columnBudget = cf.c * cf.k * cf.k * ho * wo  // one image per chunk
            let x = rng.array(cf.n * cf.c * cf.h * cf.w)
            var expected = runForward(conv, x, cf)
            Elementwise.biasActivate(&expected, bias: conv.bias, channels: cf.co, plane: cf.n * ho * wo, relu: true)
            var y = [Float](repeating: .nan, count: expected.count)
            conv.forward(x, n: cf.n, height: cf.h, width: cf.w, into: &y, biasReLU: true, workspace: Workspace())
            XCTAssertLessThan(maxAbsDiff(y, expected), 1e-5, "\(cf)")
            XCTAssertTrue(y.allSatisfy { $0 >= 0 }, "\(cf)")
        }
    }
}
