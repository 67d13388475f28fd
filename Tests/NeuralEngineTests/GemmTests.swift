import XCTest
@testable import NeuralEngine

final class GemmTests: XCTestCase {
    /// The threaded GEMM (column blocks, or row blocks for narrow C) equals a plain triple loop,
    /// for every transpose combination and with beta = 1.
    func testThreadedGemmMatchesPlainLoops() {
        var rng = TestRNG(20)
        defer { setBLASThreads(1) }
        for threads in [2, 3] {
            setBLASThreads(threads)
            for (m, n, k) in [(70, 300, 130), (300, 40, 200)] {  // m·n·k above the split threshold
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    let a = rng.array(m * k), b = rng.array(k * n), c0 = rng.array(m * n)
                    var c = c0
                    gemm(transA: ta, transB: tb, m: m, n: n, k: k, a, lda: ta ? m : k, b, ldb: tb ? k : n,
                         beta: 1, &c, ldc: n)
                    var worst: Float = 0
                    for i in stride(from: 0, to: m, by: 7) {  // every 7th row: enough, and fast in debug
                        for j in 0..<n {
                            var s = Double(c0[i * n + j])
                            for l in 0..<k {
                                s += Double(ta ? a[l * m + i] : a[i * k + l]) * Double(tb ? b[j * k + l] : b[l * n + j])
                            }
                            worst = max(worst, abs(Float(s) - c[i * n + j]))
                        }
                    }
                    XCTAssertLessThan(worst, 1e-3, "threads \(threads) m \(m) n \(n) k \(k) ta \(ta) tb \(tb)")
                }
            }
        }
    }
}
