import XCTest
@testable import Evaluation

final class ROCTests: XCTestCase {
    func testCurveMatchesScikitLearn() {
        // fpr, tpr, thr = sklearn.metrics.roc_curve(yA, sA, drop_intermediate=False)
        let thr = [Double.infinity, 0.9, 0.8, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.2, 0.1]
        let fpr = [0.0, 0.0, 0.0, 0.125, 0.125, 0.25, 0.25, 0.375, 0.5, 0.625, 0.625, 0.75, 0.875, 1.0]
        let tpr: [Double] = [0.0, 1 / 7, 2 / 7, 4 / 7, 5 / 7, 5 / 7, 6 / 7, 6 / 7, 6 / 7, 6 / 7, 1, 1, 1, 1]
        let roc = ROCCurve(Examples.a)
        XCTAssertEqual(roc.points.map(\.threshold), thr)
        for (p, (f, t)) in zip(roc.points, zip(fpr, tpr)) {
            XCTAssertEqual(p.falsePositiveRate, f, accuracy: 1e-12)
            XCTAssertEqual(p.sensitivity, t, accuracy: 1e-12)
        }
    }

    func testAUCMatchesScikitLearn() {
        // sklearn.metrics.roc_auc_score(yA, sA) = 0.8392857142857142; (yB, sB) = 0.84;
        // (yC, sC) = 0.673469387755102
        XCTAssertEqual(ROCCurve(Examples.a).auc, 0.8392857142857142, accuracy: 1e-12)
        XCTAssertEqual(ROCCurve(Examples.b).auc, 0.84, accuracy: 1e-12)
        XCTAssertEqual(ROCCurve(Examples.c).auc, 0.673469387755102, accuracy: 1e-12)
    }

    func testYoudenOptimum() {
        // j = tpr - fpr; k = np.argmax(j): thr[k] = 0.55, tpr 6/7, 1 - fpr = 0.75, J = 0.6071428571428571
        let y = ROCCurve(Examples.a).youdenOptimum
        XCTAssertEqual(y.threshold, 0.55)
        XCTAssertEqual(y.sensitivity, 6 / 7, accuracy: 1e-12)
        XCTAssertEqual(y.specificity, 0.75, accuracy: 1e-12)
        XCTAssertEqual(y.youdenIndex, 0.6071428571428571, accuracy: 1e-12)
    }

    func testOperatingPointsCountByHand() {
        let roc = ROCCurve(Examples.a)
        // score ≥ 0.7: positives 0.9, 0.8, 0.7, 0.7 (4 of 7); negatives 0.7 (1 of 8).
        let p = roc.at(threshold: 0.7)
        XCTAssertEqual([p.truePositives, p.falseNegatives, p.falsePositives, p.trueNegatives], [4, 3, 1, 7])
        // Between scores: 0.62 behaves as 0.65 (5 positives, 1 negative at or above).
        let q = roc.at(threshold: 0.62)
        XCTAssertEqual(q.threshold, 0.62)
        XCTAssertEqual([q.truePositives, q.falsePositives], [5, 1])
        // Above every score: nothing positive; below every score: everything positive.
        XCTAssertEqual(roc.at(threshold: 2).sensitivity, 0)
        XCTAssertEqual(roc.at(threshold: 2).specificity, 1)
        XCTAssertEqual(roc.at(threshold: -1).sensitivity, 1)
        XCTAssertEqual(roc.at(threshold: -1).specificity, 0)
    }

    func testThresholdTableThinsLongCurvesButKeepsEnds() throws {
        let n = 1000
        let data = try LabeledScores(scores: (0..<n).map { Double($0) / Double(n) },
                                     labels: (0..<n).map { ($0 * 7919) % 3 == 0 })
        let roc = ROCCurve(data)
        XCTAssertEqual(roc.thresholdTable(maxRows: 2000).count, n)
        let table = roc.thresholdTable(maxRows: 51)
        XCTAssertTrue((51...52).contains(table.count), "\(table.count)")
        XCTAssertEqual(table.first?.threshold, 0.999)
        XCTAssertEqual(table.last?.threshold, 0)
        XCTAssertTrue(table.contains(roc.youdenOptimum))
        XCTAssertEqual(table.map(\.threshold), table.map(\.threshold).sorted(by: >))
    }

    func testRejectsUnusableData() {
        XCTAssertThrowsError(try LabeledScores(scores: [0.1, 0.2], labels: [true, true]))
        XCTAssertThrowsError(try LabeledScores(scores: [0.1], labels: [true, false]))
        XCTAssertThrowsError(try LabeledScores(scores: [.nan, 0.2], labels: [true, false]))
    }
}
