import ArgumentParser
import Evaluation
import Foundation
import Screening
import XCTest
@testable import CTScreenCLI

final class EvaluateTests: XCTestCase {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-evaluate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Slices: example A of the Evaluation tests. Cases: two groups of case scores,
    /// "severe" (label 1) g1 and "mild" (label 0) g2. References (Python, scipy 1.17,
    /// scikit-learn; see Tests/EvaluationTests/DeLongTests.swift for delong_pairwise):
    ///   roc_auc_score(yA, sA) = 0.8392857142857142, DeLong lower 0.6269759718229979;
    ///   roc_auc_score(yG, sG) = 0.8727272727272727 with yG = 10 ones + 11 zeros, sG = g1 ++ g2,
    ///   delong_pairwise lower 0.7162352891603038, upper 1;
    ///   mannwhitneyu(g1, g2, alternative='two-sided') → U 96.0, p 0.004320273635746649.
    func testWritesJSONAndPlotWithReferenceValues() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yA = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]
        let sA = [0.9, 0.8, 0.7, 0.7, 0.55, 0.6, 0.4, 0.3, 0.7, 0.2, 0.1, 0.35, 0.5, 0.65, 0.45]
        var slices = "id,label,score\n"
        for (i, (y, s)) in zip(yA, sA).enumerated() { slices += "s\(i),\(y),\(s)\n" }
        let g1 = [12.5, 3.1, 7.7, 20.4, 15.0, 9.9, 30.2, 11.1, 5.5, 18.0]
        let g2 = [2.0, 4.4, 1.1, 9.9, 6.0, 0.5, 3.3, 8.1, 2.2, 7.0, 5.5]
        var cases = "id,label,score,group\n"
        for (i, s) in g1.enumerated() { cases += "c\(i),1,\(s),severe\n" }
        for (i, s) in g2.enumerated() { cases += "d\(i),0,\(s),mild\n" }
        try slices.write(to: dir.appendingPathComponent("slices.csv"), atomically: true, encoding: .utf8)
        try cases.write(to: dir.appendingPathComponent("cases.csv"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let command = try Evaluate.parse(["--slices", dir.appendingPathComponent("slices.csv").path,
                                          "--cases", dir.appendingPathComponent("cases.csv").path,
                                          "--slice-threshold", "0.7", "--case-threshold", "9.9",
                                          "--output", out.path])
        try command.run()

        let json = try JSONDecoder().decode(Evaluate.Output.self,
                                            from: Data(contentsOf: out.appendingPathComponent("evaluation.json")))
        let s = try XCTUnwrap(json.slices), c = try XCTUnwrap(json.cases), r = try XCTUnwrap(json.rankSum)
        XCTAssertEqual(s.auc.auc, 0.8392857142857142, accuracy: 1e-12)
        XCTAssertEqual(s.auc.lower, 0.6269759718229979, accuracy: 1e-9)
        XCTAssertEqual(s.operatingPoints.first?.sensitivity ?? 0, 4 / 7, accuracy: 1e-12)
        XCTAssertEqual(s.operatingPoints.first?.specificity ?? 0, 7 / 8, accuracy: 1e-12)
        XCTAssertEqual(s.youden.threshold, 0.55)
        XCTAssertEqual(s.thresholdTable.count, 13)
        XCTAssertEqual(c.auc.auc, 0.8727272727272727, accuracy: 1e-12)
        XCTAssertEqual(c.auc.lower, 0.7162352891603038, accuracy: 1e-9)
        // score ≥ 9.9: severe 12.5, 20.4, 15.0, 9.9, 30.2, 11.1, 18.0 (7/10); mild 9.9 (1/11).
        XCTAssertEqual(c.operatingPoints.first?.truePositives, 7)
        XCTAssertEqual(c.operatingPoints.first?.falsePositives, 1)
        XCTAssertEqual(r.groups, ["severe", "mild"])
        XCTAssertEqual(r.test.u1, 96)
        XCTAssertEqual(r.test.pValue, 0.004320273635746649, accuracy: 1e-12)

        let png = try PNGFile.read(out.appendingPathComponent("roc.png").path)
        XCTAssertEqual(png.width, 560)
        XCTAssertEqual(png.height, 560)
    }

    func testHelpNamesInputsAndMethods() {
        let help = Evaluate.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for word in ["--slices", "--cases", "--slice-threshold", "--case-threshold", "--bootstrap", "--output",
                     "DeLong", "id, label, score", "rank-sum"] {
            XCTAssertTrue(help.contains(word), "\(word) missing from: \(help)")
        }
        XCTAssertTrue(CTScreen.helpMessage().contains("evaluate"))
    }

    func testBadInputsFailWithOneLine() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try Evaluate.parse(["--output", dir.path]))
        try "id,label,score\na,1,0.5\nb,1,0.7\n".write(to: dir.appendingPathComponent("one.csv"), atomically: true, encoding: .utf8)
        let command = try Evaluate.parse(["--slices", dir.appendingPathComponent("one.csv").path, "--output", dir.path])
        XCTAssertThrowsError(try command.run()) { XCTAssertEqual(($0 as? ExitCode)?.rawValue, 1) }
        XCTAssertThrowsError(try command.evaluate()) { XCTAssertTrue("\($0)".contains("both classes"), "\($0)") }
    }
}
