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

    /// The blocks of a product depend on its shape only, so 1 and 2 threads give identical
    /// bits (OpenBLAS's own results depend on how a product is cut into calls).
    func testGemmBitsIndependentOfThreadCount() {
        var rng = TestRNG(21)
        defer { setBLASThreads(1) }
        for (m, n, k) in [(64, 1000, 300), (300, 60, 200)] {
            let a = rng.array(m * k), b = rng.array(k * n)
            var results: [[Float]] = []
            for threads in [1, 2] {
                setBLASThreads(threads)
                var c = [Float](repeating: 0, count: m * n)
                gemm(transA: false, transB: false, m: m, n: n, k: k, a, lda: k, b, ldb: n, beta: 0, &c, ldc: n)
                results.append(c)
            }
            XCTAssertTrue(results[0] == results[1], "m \(m) n \(n) k \(k)")
        }
    }

    /// `concurrently` runs every part once, each with its share of the threads, and a
    /// single part as the caller's own computation.
    func testConcurrentlyRunsEveryPartOnceWithItsShare() {
        defer { setBLASThreads(1) }
        for (threads, parts, share) in [(1, 3, 1), (2, 2, 1), (2, 5, 1), (4, 2, 2), (2, 1, 2)] {
            setBLASThreads(threads)
            let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: parts)
            defer { seen.deallocate() }
            seen.initialize(repeating: 0)
            EngineThreads.concurrently(parts) { p in seen[p] += 1 + 10 * EngineThreads.current }
            XCTAssertEqual(Array(seen), Array(repeating: 1 + 10 * share, count: parts), "threads \(threads) parts \(parts)")
            XCTAssertEqual(EngineThreads.current, threads)
        }
    }
}
