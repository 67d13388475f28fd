import Clustering
import Foundation
import XCTest
@testable import Cluster

/// The acceptance run: the real COVID and non-COVID studies and two phantoms, submitted
/// together, through a coordinator, 2 worker processes and a reducer, give the reports
/// `ctscreen analyze` gives (scores and per-slice probabilities within 1e-5, the same focal
/// findings).
final class ClusterParityTests: XCTestCase {
    func testFourStudiesThroughTwoWorkersMatchAnalyze() throws {
        let h = try ClusterHarness.withTestRedis()
        let volumes = ClusterHarness.shared.appendingPathComponent("data/volumes")
        let real = ["ricord-1a-000082-covid", "lung-pet-ct-dx-a0002-noncovid"].map { volumes.appendingPathComponent($0).path }
        for path in real where !FileManager.default.fileExists(atPath: path) { throw XCTSkip("\(path) is missing") }
        let phantoms = [try h.phantom("phantom-a", seed: 11), try h.phantom("phantom-b", seed: 12)]
        let studies = real + phantoms
        let weights = ["--weights", ClusterHarness.weights]

        try h.start("coordinator", weights, name: "coordinator")
        try h.start("worker", weights + ["--threads", "1"], name: "worker-1")
        try h.start("worker", weights + ["--threads", "1"], name: "worker-2")
        try h.start("reducer", [], name: "reducer")
        let out = try h.submit(studies)
        let submitted = ClusterHarness.submitted(out)
        let ids = submitted.map(\.id)
        let labels = Dictionary(uniqueKeysWithValues: submitted.map { ($0.id, $0.label) })
        XCTAssertEqual(Set(labels.values), Set(studies.map { URL(fileURLWithPath: $0).lastPathComponent }), out)

        // Meanwhile, the same studies through analyze (one process, in-memory queue).
        var expected: [String: [String: Any]] = [:]
        for path in studies {
            let name = URL(fileURLWithPath: path).lastPathComponent
            let folder = h.dir.appendingPathComponent("analyze/\(name)")
            let (status, text) = try h.run(["analyze", path, "--out", folder.path, "--threads", "1"] + weights)
            XCTAssertEqual(status, 0, text)
            let data = try Data(contentsOf: folder.appendingPathComponent("report.json"))
            expected[name] = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }

        XCTAssertTrue(try h.wait(limit: 400) { try h.allFinal(ids) }, "studies did not finish; logs in \(h.dir.path)")
        let statuses = h.stopAll()
        for (name, status) in statuses { XCTAssertEqual(status, 0, "\(name) exit status after SIGTERM") }
        for id in ids {
            XCTAssertEqual(try h.transport.studyRecord(id)?.state, .done, id)
            let got = try h.report(id)
            let want = try XCTUnwrap(expected[labels[id] ?? ""], id)
            XCTAssertEqual((got["study"] as? [String: Any])?["label"] as? String, labels[id], id)
            XCTAssertEqual((got["study"] as? [String: Any])?["studyID"] as? String, id)
            try Self.assertSameScores(got, want, id)
            // Payloads and results are gone once the report is written.
            XCTAssertFalse(try h.transport.payloadExists(h.transport.keys.contextPayload(id, attempt: 1)), id)
            XCTAssertTrue(try h.transport.batchResults(studyID: id, attempt: 1).isEmpty, id)
            let summary = try XCTUnwrap(try h.transport.studySummary(id), id)
            XCTAssertEqual(summary.positiveRatio, want["positiveRatio"] as? Double ?? -1, accuracy: 1e-5, id)
            XCTAssertEqual(summary.reportPath, try h.reportURL(id).path)
            XCTAssertEqual(summary.label, labels[id])
        }

        // Clustering: the workers' gradient-weighted features are analyze's, and `cluster` over
        // the result store (the summaries' report paths) groups the slices as it does over the
        // analyze outputs.
        for id in ids {
            let got = try NPYFile.read(try h.reportURL(id).deletingLastPathComponent().appendingPathComponent("features.npy"))
            let want = try NPYFile.read(h.dir.appendingPathComponent("analyze/\(labels[id] ?? "")/features.npy"))
            XCTAssertEqual(got.shape, want.shape, id)
            let worst = zip(got.floats(), want.floats()).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 2e-3, "\(id): features differ by up to \(worst)")
        }
        var clusterings: [[String: Int]] = []
        for source in [h.clusterArgs, [h.dir.appendingPathComponent("analyze").path]] {
            let out = h.dir.appendingPathComponent("clusters-\(clusterings.count)")
            let (status, text) = try h.run(["cluster"] + source + ["--out", out.path, "--max-k", "4", "--seed", "3"])
            XCTAssertEqual(status, 0, text)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("clusters.json"))) as? [String: Any]
            let slices = try XCTUnwrap(json?["slices"] as? [[String: Any]])
            clusterings.append(Dictionary(uniqueKeysWithValues: slices.map { ("\($0["study"]!)#\($0["slice"]!)", $0["cluster"] as? Int ?? -1) }))
        }
        XCTAssertEqual(clusterings[0], clusterings[1], "the same clusters from the result store as from analyze")
        XCTAssertFalse(clusterings[0].isEmpty)

        // The worklist lists all four, most suspicious first.
        let csvURL = h.dir.appendingPathComponent("worklist.csv")
        let (status, text) = try h.run(["worklist"] + h.clusterArgs + ["--out", csvURL.path])
        XCTAssertEqual(status, 0, text)
        let rows = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(Set(rows.map { String($0[1]) }), Set(ids))
        XCTAssertEqual(Set(rows.map { String($0[2]) }), Set(labels.values))
        let ratios = rows.map { Double($0[6]) ?? -1 }
        let points = rows.map { $0[5] == "negative" ? 0 : $0[5].split(separator: "+").count }
        for i in 1..<rows.count {
            XCTAssertTrue((points[i - 1], ratios[i - 1]) >= (points[i], ratios[i]), "worklist order: \(rows)")
        }
    }

    static func assertSameScores(_ got: [String: Any], _ want: [String: Any], _ id: String) throws {
        func number(_ d: [String: Any], _ k: String) -> Double { (d[k] as? NSNumber)?.doubleValue ?? .nan }
        XCTAssertEqual(number(got, "positiveRatio"), number(want, "positiveRatio"), accuracy: 1e-5, id)
        XCTAssertEqual(number(got, "coronaScore"), number(want, "coronaScore"), accuracy: 1e-5, id)
        XCTAssertEqual(got["positiveSlices"] as? [Int], want["positiveSlices"] as? [Int], id)
        let gs = try XCTUnwrap(got["slices"] as? [[String: Any]]), ws = try XCTUnwrap(want["slices"] as? [[String: Any]])
        XCTAssertEqual(gs.count, ws.count, id)
        for (g, w) in zip(gs, ws) {
            XCTAssertEqual(g["index"] as? Int, w["index"] as? Int, id)
            XCTAssertEqual(number(g, "probability"), number(w, "probability"), accuracy: 1e-5, id)
        }
        XCTAssertEqual((got["decisions"] as? [[String: Any]])?.map { $0["positive"] as? Bool },
                       (want["decisions"] as? [[String: Any]])?.map { $0["positive"] as? Bool }, id)
        XCTAssertEqual((got["outputs"] as? [String: String]).map { Set($0.keys) }, (want["outputs"] as? [String: String]).map { Set($0.keys) }, id)
        XCTAssertEqual((got["model"] as? [String: Any])?["sha256"] as? String, (want["model"] as? [String: Any])?["sha256"] as? String, id)
        // Subsystem A: the same findings, measured alike (found by the coordinator, joined to
        // the Grad-CAM map by the reducer).
        let gf = try XCTUnwrap((got["focalOpacities"] as? [String: Any])?["findings"] as? [[String: Any]], id)
        let wf = try XCTUnwrap((want["focalOpacities"] as? [String: Any])?["findings"] as? [[String: Any]], id)
        XCTAssertEqual(gf.count, wf.count, id)
        for (g, w) in zip(gf, wf) {
            for key in ["id", "voxelCount", "diameterSlice"] { XCTAssertEqual(g[key] as? Int, w[key] as? Int, "\(id) \(key)") }
            for key in ["kind", "side"] { XCTAssertEqual(g[key] as? String, w[key] as? String, "\(id) \(key)") }
            for key in ["volumeCM3", "longestDiameterMM", "perpendicularDiameterMM", "meanHU"] {
                XCTAssertEqual(number(g, key), number(w, key), accuracy: 1e-9, "\(id) \(key)")
            }
            XCTAssertEqual(number(g, "gradCAMMean"), number(w, "gradCAMMean"), accuracy: 1e-4, id)
            XCTAssertEqual(number(g, "gradCAMOverlap"), number(w, "gradCAMOverlap"), accuracy: 0.01, id)
        }
    }
}
