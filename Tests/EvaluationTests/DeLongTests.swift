import XCTest
@testable import Evaluation

/// References from a separate Python implementation of DeLong (1988) by its definition,
/// the pairwise kernel ψ over every (positive, negative) pair, O(m·n), not midranks:
///   def delong_pairwise(y, s):
///       X = s[y==1]; Y = s[y==0]; m, n = len(X), len(Y)
///       psi = (X[:,None] > Y[None,:]) + 0.5*(X[:,None] == Y[None,:])
///       auc = psi.mean(); V10 = psi.mean(axis=1); V01 = psi.mean(axis=0)
///       S10 = ((V10-auc)**2).sum()/(m-1); S01 = ((V01-auc)**2).sum()/(n-1)
///       var = S10/m + S01/n; se = np.sqrt(var); z = scipy.stats.norm.ppf(0.975)
///       return auc, var, max(0, auc-z*se), min(1, auc+z*se), V10, V01
final class DeLongTests: XCTestCase {
    func testStructuralComponentsWithTies() {
        // delong_pairwise(yA, sA): V10, V01
        let d = DeLong(Examples.a)
        let v10 = [1.0, 1.0, 0.9375, 0.9375, 0.75, 0.375, 0.875]
        let v01 = [0.7142857142857143, 0.8571428571428571, 1.0, 0.42857142857142855, 1.0, 1.0,
                   0.8571428571428571, 0.8571428571428571]
        for (a, b) in zip(d.v10, v10) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        for (a, b) in zip(d.v01, v01) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertEqual(d.v10.count, 7)
        XCTAssertEqual(d.v01.count, 8)
    }

    func testVarianceAndIntervalMatchPairwiseReference() throws {
        // delong_pairwise(yA, sA): auc 0.8392857142857143, var 0.011733934645286687,
        // lower 0.6269759718229979, upper clipped to 1
        let a = try DeLong(Examples.a).interval()
        XCTAssertEqual(a.auc, 0.8392857142857143, accuracy: 1e-12)
        XCTAssertEqual(a.standardError * a.standardError, 0.011733934645286687, accuracy: 1e-14)
        XCTAssertEqual(a.lower, 0.6269759718229979, accuracy: 1e-9)
        XCTAssertEqual(a.upper, 1)
        // delong_pairwise(yB, sB): auc 0.84, var 0.007866666666666668, lower 0.6661625010070407
        let b = try DeLong(Examples.b).interval()
        XCTAssertEqual(b.standardError * b.standardError, 0.007866666666666668, accuracy: 1e-14)
        XCTAssertEqual(b.lower, 0.6661625010070407, accuracy: 1e-9)
        // delong_pairwise(yC, sC): auc 0.673469387755102, var 0.024711925586561156,
        // interval (0.3653625158407739, 0.9815762596694302)
        let c = try DeLong(Examples.c).interval()
        XCTAssertEqual(c.auc, 0.673469387755102, accuracy: 1e-12)
        XCTAssertEqual(c.standardError * c.standardError, 0.024711925586561156, accuracy: 1e-14)
        XCTAssertEqual(c.lower, 0.3653625158407739, accuracy: 1e-9)
        XCTAssertEqual(c.upper, 0.9815762596694302, accuracy: 1e-9)
        XCTAssertEqual(c.method, "DeLong")
    }

    /// The published worked example: Hanley & McNeil (1982, Radiology 143:29, table 1), 109
    /// CT images rated 1–5 by a radiologist; normal (58): 33, 6, 6, 11, 2 per rating, abnormal
    /// (51): 3, 2, 2, 11, 33. The Stata manual's `roctab disease rating` example (DeLong
    /// standard error, its default) prints area 0.8932, Std. Err. 0.0307, asymptotic normal
    /// 95 % CI 0.83295–0.95339; delong_pairwise gives 0.8931710615280595, SE
    /// 0.03072440837938112, CI (0.8329523276581718, 0.9533897953979471).
    func testHanleyMcNeilRatingsMatchPublishedFigures() throws {
        var scores: [Double] = [], labels: [Bool] = []
        for (rating, count) in [33, 6, 6, 11, 2].enumerated() {
            scores += Array(repeating: Double(rating + 1), count: count); labels += Array(repeating: false, count: count)
        }
        for (rating, count) in [3, 2, 2, 11, 33].enumerated() {
            scores += Array(repeating: Double(rating + 1), count: count); labels += Array(repeating: true, count: count)
        }
        let ci = try DeLong(LabeledScores(scores: scores, labels: labels)).interval()
        XCTAssertEqual(ci.auc, 0.8932, accuracy: 5e-5)
        XCTAssertEqual(ci.standardError, 0.0307, accuracy: 5e-5)
        XCTAssertEqual(ci.lower, 0.83295, accuracy: 5e-6)
        XCTAssertEqual(ci.upper, 0.95339, accuracy: 5e-6)
        XCTAssertEqual(ci.auc, 0.8931710615280595, accuracy: 1e-12)
        XCTAssertEqual(ci.standardError, 0.03072440837938112, accuracy: 1e-12)
    }

    func testNormalQuantile() {
        // scipy.stats.norm.ppf(0.975) = 1.959963984540054; norm.ppf(0.995) = 2.5758293035489004;
        // norm.ppf(0.01) = -2.3263478740408408
        XCTAssertEqual(NormalDistribution.quantile(0.975), 1.959963984540054, accuracy: 1e-12)
        XCTAssertEqual(NormalDistribution.quantile(0.995), 2.5758293035489004, accuracy: 1e-12)
        XCTAssertEqual(NormalDistribution.quantile(0.01), -2.3263478740408408, accuracy: 1e-12)
    }

    func testBootstrapIsSeededAndAgreesWithDeLong() throws {
        let data = Examples.c
        let one = try AUCBootstrap.interval(data, replicates: 2000, seed: 7)
        let again = try AUCBootstrap.interval(data, replicates: 2000, seed: 7)
        let other = try AUCBootstrap.interval(data, replicates: 2000, seed: 8)
        XCTAssertEqual(one, again)
        XCTAssertNotEqual(one.standardError, other.standardError)
        XCTAssertEqual(one.auc, 0.673469387755102, accuracy: 1e-12)
        XCTAssertLessThan(one.lower, one.auc)
        XCTAssertGreaterThan(one.upper, one.auc)
        // The bootstrap SE estimates the same quantity as DeLong's (0.1572 here): within 20 %.
        let delong = DeLong(data).standardError
        XCTAssertEqual(one.standardError / delong, 1, accuracy: 0.2)
        XCTAssertThrowsError(try AUCBootstrap.interval(data, replicates: 5))
    }
}
