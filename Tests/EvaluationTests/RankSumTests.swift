import XCTest
@testable import Evaluation

final class RankSumTests: XCTestCase {
    func testNormalApproximationWithTies() throws {
        // g1 = [12.5, 3.1, 7.7, 20.4, 15.0, 9.9, 30.2, 11.1, 5.5, 18.0]
        // g2 = [2.0, 4.4, 1.1, 9.9, 6.0, 0.5, 3.3, 8.1, 2.2, 7.0, 5.5]
        // scipy.stats.mannwhitneyu(g1, g2, alternative='two-sided') → U 96.0, p 0.004320273635746649
        let t = try RankSumTest([12.5, 3.1, 7.7, 20.4, 15.0, 9.9, 30.2, 11.1, 5.5, 18.0],
                                [2.0, 4.4, 1.1, 9.9, 6.0, 0.5, 3.3, 8.1, 2.2, 7.0, 5.5])
        XCTAssertEqual(t.method, .normal)
        XCTAssertEqual(t.u1, 96)
        XCTAssertEqual(t.pValue, 0.004320273635746649, accuracy: 1e-12)
    }

    func testExactForSmallSamplesWithoutTies() throws {
        // h1 = [1.2, 3.4, 5.6, 7.8, 9.1]; h2 = [0.3, 2.5, 0.9, 4.1, 1.7, 0.2]
        // mannwhitneyu(h1, h2, alternative='two-sided') → U 26.0, p 0.05194805194805195 (exact: 24/462)
        // method='asymptotic' → p 0.05523425371806383
        let t = try RankSumTest([1.2, 3.4, 5.6, 7.8, 9.1], [0.3, 2.5, 0.9, 4.1, 1.7, 0.2])
        XCTAssertEqual(t.method, .exact)
        XCTAssertEqual(t.u1, 26)
        XCTAssertEqual(t.pValue, 0.05194805194805195, accuracy: 1e-12)
        // The order of the samples does not change a two-sided p.
        let swapped = try RankSumTest([0.3, 2.5, 0.9, 4.1, 1.7, 0.2], [1.2, 3.4, 5.6, 7.8, 9.1])
        XCTAssertEqual(swapped.u1, 4)
        XCTAssertEqual(swapped.pValue, t.pValue, accuracy: 1e-15)
    }

    func testNormalApproximationWithoutTiesForLargerSamples() throws {
        // b1 = np.arange(1, 13) * 1.5; b2 = np.arange(1, 11) * 1.3 - 2.05
        // mannwhitneyu(b1, b2, alternative='two-sided') → U 90.0, p 0.05175423288653064
        let b1 = (1...12).map { Double($0) * 1.5 }
        let b2 = (1...10).map { Double($0) * 1.3 - 2.05 }
        let t = try RankSumTest(b1, b2)
        XCTAssertEqual(t.method, .normal)
        XCTAssertEqual(t.u1, 90)
        XCTAssertEqual(t.pValue, 0.05175423288653064, accuracy: 1e-12)
    }

    func testExactTailAgainstEnumeration() {
        // Every arrangement of 3 x-values among 7 ranks: count those with U ≥ u by brute force.
        let m = 3, n = 4
        var counts = [Int](repeating: 0, count: m * n + 1)
        for mask in 0..<(1 << (m + n)) where mask.nonzeroBitCount == m {
            // U = Σ over x of the number of y below it.
            var u = 0, ysBelow = 0
            for bit in 0..<(m + n) { if mask & (1 << bit) != 0 { u += ysBelow } else { ysBelow += 1 } }
            counts[u] += 1
        }
        let total = Double(counts.reduce(0, +))
        for u in 0...(m * n) {
            let expected = Double(counts[u...].reduce(0, +)) / total
            XCTAssertEqual(RankSumTest.exactUpperTail(u: u, n1: m, n2: n), expected, accuracy: 1e-14, "u = \(u)")
        }
    }

    func testAllEqualValuesGivePOne() throws {
        let t = try RankSumTest([2, 2, 2, 2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2, 2, 2, 2])
        XCTAssertEqual(t.pValue, 1)
        XCTAssertThrowsError(try RankSumTest([], [1, 2]))
    }
}
