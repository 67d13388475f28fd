import Foundation
import XCTest
@testable import Cluster

/// Two scans of one phantom patient through the cluster: the reducer records each in the
/// patient's timeline, `result` shows the change, and `ctscreen timeline` gives what
/// `analyze --history` gives for the same studies.
final class ClusterTimelineTests: XCTestCase {
    func testReducersBuildTheSameTimelineAsAnalyze() throws {
        let h = try ClusterHarness.withTestRedis()
        let weights = ["--weights", ClusterHarness.weights]
        var studies: [String] = []
        for (growth, date) in [("1.0", "20200301"), ("1.4", "20200311")] {
            let out = h.dir.appendingPathComponent("src-\(growth)")
            let (status, text) = try h.run(["phantom", "--out", out.path, "--slices", "80", "--matrix", "320", "--spacing", "1.0",
                                            "--thickness", "2", "--seed", "7", "--ground-glass", "2", "--lesion-room", "1.4",
                                            "--lesion-growth", growth, "--study-date", date])
            XCTAssertEqual(status, 0, text)
            studies.append(out.appendingPathComponent("dicom").path)
        }
        try h.start("coordinator", weights, name: "coordinator")
        try h.start("worker", weights + ["--threads", "2"], name: "worker")
        try h.start("reducer", [], name: "reducer")
        let ids = ClusterHarness.submittedIDs(try h.submit(studies))
        XCTAssertEqual(ids.count, 2)

        // The same studies through analyze, into a history folder.
        let history = h.dir.appendingPathComponent("history").path
        for (n, path) in studies.enumerated() {
            let (status, text) = try h.run(["analyze", path, "--out", h.dir.appendingPathComponent("analyze-\(n)").path,
                                            "--threads", "1", "--history", history] + weights)
            XCTAssertEqual(status, 0, text)
        }
        XCTAssertTrue(try h.wait(limit: 300) { try h.allFinal(ids) }, "studies did not finish; logs in \(h.dir.path)")
        _ = h.stopAll()

        func timeline(_ source: [String]) throws -> [String: Any] {
            let (status, text) = try h.run(["timeline", "PHANTOM-7", "--json", "--plot", h.dir.appendingPathComponent("plot.png").path] + source)
            XCTAssertEqual(status, 0, text)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
        }
        let cluster = try timeline(h.clusterArgs), local = try timeline(["--history", history])
        let cp = try XCTUnwrap(cluster["points"] as? [[String: Any]]), lp = try XCTUnwrap(local["points"] as? [[String: Any]])
        XCTAssertEqual(cp.count, 2)
        XCTAssertEqual(cp.map { $0["day"] as? Double }, [0, 10])
        XCTAssertEqual(cp.map { $0["day"] as? Double }, lp.map { $0["day"] as? Double })
        for (c, l) in zip(cp, lp) {
            let cf = try XCTUnwrap(c["findings"] as? [[String: Any]]), lf = try XCTUnwrap(l["findings"] as? [[String: Any]])
            XCTAssertEqual(cf.count, 2)
            XCTAssertEqual(cf.map { $0["previousID"] as? Int }, lf.map { $0["previousID"] as? Int })
            XCTAssertEqual(cf.map { $0["track"] as? Int }, lf.map { $0["track"] as? Int })
            for (a, b) in zip(cf, lf) {
                XCTAssertEqual(a["volumeCM3"] as? Double ?? -1, b["volumeCM3"] as? Double ?? -2, accuracy: 1e-9)
            }
            XCTAssertEqual(c["relativeCoronaScore"] as? Double ?? -1, l["relativeCoronaScore"] as? Double ?? -2, accuracy: 1e-4)
        }
        XCTAssertEqual(cp.last.flatMap { ($0["findings"] as? [[String: Any]])?.compactMap { $0["previousID"] as? Int }.count }, 2)

        // `result` of the second scan shows the change since the first.
        let second = try XCTUnwrap(ids.first { (try? h.report($0))?["study"].flatMap { ($0 as? [String: Any])?["studyDate"] as? String } == "20200311" })
        let (status, text) = try h.run(["result", second] + h.clusterArgs)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("timeline patient PHANTOM-7: time point 2 of 2, day 10.0"), text)
        XCTAssertTrue(text.contains("since #"), text)
        let (jsonStatus, json) = try h.run(["result", second, "--json"] + h.clusterArgs)
        XCTAssertEqual(jsonStatus, 0, json)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        XCTAssertEqual(((object["timeline"] as? [String: Any])?["points"] as? [Any])?.count, 2, json)
        XCTAssertEqual((object["summary"] as? [String: Any])?["patient_id"] as? String, "PHANTOM-7", json)
    }
}
