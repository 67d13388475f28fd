import Foundation
import XCTest
@testable import Cluster

/// The worklist of a busy cluster: a summary that does not decode is an error naming its key
/// for `result`, and one row with the reason in the worklist (never silently taken for a
/// missing one); an expired summary says so; the other rows keep their scores.
final class WorklistTests: XCTestCase {
    func testUnreadableAndExpiredSummariesCostTheirRowOnly() throws {
        let dir = try StudyFixtures.temporaryFolder("worklist")
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = InMemoryTransport()
        let roles = try StudyFixtures.Roles(transport: t, outputRoot: dir.appendingPathComponent("out"))
        var ids: [String] = []
        for (k, brightness) in [120, 60, 90].enumerated() {
            let series = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("s\(k)"), slices: 12, brightness: brightness)
            let found = try XCTUnwrap(try StudyDiscovery.find([series.path], recursive: false).first)
            _ = try Submission(transport: t).submit(found)
            ids.append(found.studyID)
        }
        try roles.drain()
        try t.putPayload(t.keys.report(ids[0], attempt: 1), Array("not json".utf8), ttl: 60)
        try t.deletePayloads([t.keys.report(ids[1], attempt: 1)])

        XCTAssertThrowsError(try t.studySummary(ids[0])) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .badPayload)
            XCTAssertTrue("\(error)".contains(t.keys.report(ids[0], attempt: 1)), "\(error)")
        }
        XCTAssertNil(try t.studySummary(ids[1]))
        let rows = Dictionary(uniqueKeysWithValues: try Worklist.build(t).rows.map { ($0.studyID, $0) })
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[ids[0]]?.reason.contains("does not decode") == true, "\(String(describing: rows[ids[0]]))")
        XCTAssertTrue(rows[ids[1]]?.reason.contains("expired") == true, "\(String(describing: rows[ids[1]]))")
        XCTAssertNotNil(rows[ids[2]]?.positiveRatio)
        XCTAssertEqual(rows[ids[2]]?.reason, "")
    }
}
