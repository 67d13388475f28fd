import Foundation
import Screening
import XCTest
@testable import Cluster

/// Issue 12, item 4, on a real redis-server of the test's own: a Redis over `maxmemory`
/// slows admission instead of failing studies. Work already admitted drains (results stored,
/// pixels freed, studies completed), a new submission waits and says why, and once Redis
/// has room again it goes through. Afterwards nothing but the record of each study is left
/// without an expiry. (Before the fix the same run dead-lettered the batches as
/// `attempts-exhausted … OOM` and the study failed.)
final class RedisMemoryTests: XCTestCase {
    /// A redis-server of the test's own (its maxmemory is changed), an admin connection, a transport.
    private func ownRedis() throws -> (OwnRedisServer, RedisConnection, RedisTransport) {
        let server = try OwnRedisServer()
        try server.start()
        let url = RedisURL(port: server.port)
        return (server, try RedisConnection(url: url, logger: TestSupport.logger), try RedisTransport(url: url, logger: TestSupport.logger))
    }

    func testAFullRedisDrainsAdmittedWorkAndHoldsBackNewWork() throws {
        let (server, admin, t) = try ownRedis()
        defer { server.stop() }
        let dir = try StudyFixtures.temporaryFolder("redis-full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let roles = try StudyFixtures.Roles(transport: t, outputRoot: dir.appendingPathComponent("out"))
        let first = try XCTUnwrap(try StudyDiscovery.find(
            [try StudyFixtures.writeSeries(to: dir.appendingPathComponent("a/CT"), slices: 10, brightness: 120).path], recursive: false).first)
        let second = try XCTUnwrap(try StudyDiscovery.find(
            [try StudyFixtures.writeSeries(to: dir.appendingPathComponent("b/CT"), slices: 12, brightness: 60).path], recursive: false).first)

        XCTAssertEqual(try Submission(transport: t).submit(first), .submitted(attempt: 1))
        try roles.drain([.studies])
        XCTAssertEqual(try t.studyRecord(first.studyID)?.state, .classifying)

        // Redis is now over maxmemory: a plain write is refused (so this test can fail).
        _ = try admin.command(["CONFIG", "SET", "maxmemory", "1"]).checked("CONFIG SET")
        XCTAssertThrowsError(try admin.command(["SET", "probe", "x"]).checked("SET")) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .outOfMemory)
        }
        XCTAssertEqual(try t.memoryUsage().limit, 1)

        // The admitted study drains to the end: every batch stored, every pixel freed, done.
        let outcomes = try roles.drain([.slices, .reduce])
        XCTAssertEqual(outcomes[.slices], [.acked, .acked])
        XCTAssertEqual(outcomes[.reduce], [.acked])
        XCTAssertEqual(try t.studyRecord(first.studyID)?.state, .done)
        XCTAssertEqual(try t.deadLetterCount(), 0)
        XCTAssertNotNil(try t.studySummary(first.studyID))

        // New work waits while Redis is full, then says why; nothing is half-claimed.
        var submission = Submission(transport: t)
        submission.outOfMemoryWait = 0.5
        XCTAssertThrowsError(try submission.submit(second)) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .outOfMemory)
            XCTAssertTrue("\(error)".contains("stayed over maxmemory"), "\(error)")
        }
        XCTAssertNil(try t.studyRecord(second.studyID))

        // Room again: it goes through and completes.
        _ = try admin.command(["CONFIG", "SET", "maxmemory", "0"]).checked("CONFIG SET")
        XCTAssertEqual(try Submission(transport: t).submit(second), .submitted(attempt: 1))
        try roles.drain()
        XCTAssertEqual(try t.studyRecord(second.studyID)?.state, .done)

        // Only the record of each study (hash, state sets), the counters and the capped
        // dead-letter list live without expiry (a patient's timeline expires a year after its
        // last scan).
        let names = (try admin.command(["KEYS", "ctscreen:*"]).array ?? []).compactMap(\.string)
        XCTAssertFalse(names.isEmpty)
        for name in names {
            if name.hasPrefix("ctscreen:study:") || name.hasPrefix("ctscreen:studies:") || name.hasPrefix("ctscreen:metrics:")
                || name == "ctscreen:queue:dead" { continue }
            XCTAssertFalse(name.hasPrefix("ctscreen:payload:") || name.hasPrefix("ctscreen:results:"), "\(name) left behind")
            let ttl = try admin.command(["PTTL", name]).integer ?? -2
            XCTAssertGreaterThan(ttl, 0, "\(name) has no expiry")
        }
    }

    func testDeliveryCountsExpireAndDeadLettersStayBounded() throws {
        let (server, admin, t) = try ownRedis()
        defer { server.stop() }
        XCTAssertEqual(try t.addAttempts("m1", 1), 1)
        XCTAssertEqual(try t.addAttempts("m1", 1), 2)
        let ttl = try XCTUnwrap(try admin.command(["PTTL", t.keys.attempts("m1")]).integer)
        XCTAssertGreaterThan(ttl, 0)
        XCTAssertLessThanOrEqual(ttl, Int(ClusterDefaults.attemptsTTL * 1000))
        // The dead-letter list keeps the newest records only.
        t.deadLetterCap = 3
        for n in 0..<5 {
            try t.push(try TestSupport.studyMessage("s\(n)", keys: t.keys), to: .studies, lane: .bulk)
            let d = try XCTUnwrap(try t.take(from: .studies, process: "p", timeout: 0, stop: nil))
            XCTAssertTrue(try t.deadLetterAndFail(d, record: Array("r\(n)".utf8), messageID: nil, failing: nil))
        }
        XCTAssertEqual(try t.deadLetters(limit: 10), ["r4", "r3", "r2"].map { Array($0.utf8) })
    }
}
