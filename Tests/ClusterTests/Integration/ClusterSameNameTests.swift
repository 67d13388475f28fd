import Foundation
import XCTest
@testable import Cluster

/// Issue 12, item 1, through real processes and a real Redis: two sites' `CT` folders
/// submitted one after the other give two studies, two reports at two paths, two worklist
/// rows; submitting the first again re-runs and rewrites nothing. Simulated workers and the
/// debug binary keep it cheap (no model: the scores are all zero, so the series are told
/// apart by their UIDs and slice counts).
final class ClusterSameNameTests: XCTestCase {
    func testTwoSitesCTFoldersStayTwoStudies() throws {
        let h = try ClusterHarness.withTestRedis(configuration: "debug")
        let a = try h.phantom("site-a/CT", seed: 51, slices: 20)
        let b = try h.phantom("site-b/CT", seed: 52, slices: 24)
        try h.start("coordinator", ["--batch-size", "8"], name: "coordinator")
        try h.start("worker", ["--simulate-ms", "1"], name: "worker")
        try h.start("reducer", [], name: "reducer")

        let first = ClusterHarness.submitted(try h.submit([a]))
        XCTAssertTrue(try h.wait(limit: 180) { try h.allFinal(first.map(\.id)) }, "logs in \(h.dir.path)")
        let second = ClusterHarness.submitted(try h.submit([b]))
        XCTAssertTrue(try h.wait(limit: 180) { try h.allFinal(second.map(\.id)) }, "logs in \(h.dir.path)")
        XCTAssertEqual(first.map(\.label), ["CT"])
        XCTAssertEqual(second.map(\.label), ["CT"])
        let ids = (first + second).map(\.id)
        XCTAssertEqual(Set(ids).count, 2, "two series, two ids")

        var paths: [String] = []
        for (id, slices) in zip(ids, [20, 24]) {
            XCTAssertEqual(try h.transport.studyRecord(id)?.state, .done, id)
            let summary = try XCTUnwrap(try h.transport.studySummary(id), id)
            XCTAssertEqual(summary.reportPath, try h.reportURL(id).path)
            XCTAssertTrue(summary.reportPath.hasSuffix("/CT--\(id)/report.json"), summary.reportPath)
            let study = try XCTUnwrap(try h.report(id)["study"] as? [String: Any])
            XCTAssertEqual(study["studyID"] as? String, id)
            XCTAssertEqual(study["label"] as? String, "CT")
            XCTAssertEqual((study["size"] as? [String: Any])?["slices"] as? Int, slices, "each report is its own series")
            paths.append(summary.reportPath)
        }
        XCTAssertNotEqual(paths[0], paths[1])
        let before = try Data(contentsOf: URL(fileURLWithPath: paths[0]))

        // The first site submits again: known, nothing queued, nothing rewritten.
        let again = try h.submit([a])
        XCTAssertTrue(again.contains("known     \(ids[0])  CT"), again)
        XCTAssertTrue(ClusterHarness.submitted(again).isEmpty, again)
        XCTAssertEqual(try h.transport.depth(.studies, lane: .bulk), 0)
        XCTAssertEqual(try h.transport.studyRecord(ids[0])?.state, .done)

        let csvURL = h.dir.appendingPathComponent("worklist.csv")
        let (status, text) = try h.run(["worklist"] + h.clusterArgs + ["--out", csvURL.path])
        XCTAssertEqual(status, 0, text)
        let rows = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(Set(rows.map { $0[1] }), Set(ids), "two worklist rows")
        XCTAssertEqual(rows.map { $0[2] }, ["CT", "CT"])
        XCTAssertEqual(Set(rows.map { $0[8] }), Set(paths))
        for (name, code) in h.stopAll() { XCTAssertEqual(code, 0, "\(name) exit status after SIGTERM") }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: paths[0])), before, "the first report is untouched")
    }
}
