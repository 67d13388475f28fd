import XCTest
@testable import Cluster

/// A worker whose Redis ACL user lacks INCRBY (the attempt counter's script) on a real
/// redis-server: a misconfigured process, not a bad item. The item goes back to the head of
/// its queue, uncounted, for another process; the loop stops with an error naming the
/// refusal; nothing is dead-lettered and the study is not failed (issue 12).
final class RedisACLTests: XCTestCase {
    func testWorkerWithoutINCRBYHandsBackAndStops() throws {
        let url = try TestSupport.redisURL()
        try TestSupport.flush(url)
        let admin = try RedisConnection(url: url, logger: TestSupport.logger)
        let user = "ctscreen-test-noincr-\(UInt32.random(in: 0...UInt32.max))"
        try admin.command(["ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-incrby"]).checked("ACL SETUSER")
        defer {
            _ = try? admin.command(["ACL", "DELUSER", user])
            try? TestSupport.flush(url)
        }
        var limited = url
        limited.user = user
        limited.password = "pw"
        let keys = try Keys(prefix: TestSupport.randomPrefix())
        let t = try RedisTransport(url: limited, keys: keys, logger: TestSupport.logger)
        XCTAssertThrowsError(try t.addAttempts("x", 1), "the ACL must refuse INCRBY") { error in
            XCTAssertEqual((error as? ClusterError)?.code, .permissionDenied, "\(error)")
        }
        try t.transition(studyID: "acl", to: .classifying)
        let message = try TestSupport.studyMessage("acl", keys: keys)
        try t.push(message, to: .studies, lane: .bulk)
        let loop = ServeLoop(transport: t, configuration: ServeConfiguration(queue: .studies, role: "worker", processID: "w-acl"),
                             stop: StopFlag(), logger: TestSupport.logger)
        XCTAssertThrowsError(try loop.step({ _, _ in XCTFail("the handler must not run") }, timeout: 0)) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .permissionDenied, "\(error)")
        }
        XCTAssertEqual(try t.processingItems(process: "w-acl", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
        XCTAssertEqual(try t.deadLetterCount(), 0)
        XCTAssertEqual(try t.studyRecord("acl")?.state, .classifying)
        // The serve loop as a process runs it: it stops with an error that says what to fix.
        XCTAssertThrowsError(try loop.run({ _, _ in })) { error in
            XCTAssertTrue("\(error)".contains("cannot serve") && "\(error)".contains("ACL"), "\(error)")
        }
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1, "the item waits for a process that may serve it")
        // A process with full rights then does the work as a first delivery.
        let full = try RedisTransport(url: url, keys: keys, logger: TestSupport.logger)
        var c = ServeConfiguration(queue: .studies, role: "worker", processID: "w-full")
        c.reapInterval = nil
        var attempt = 0
        let outcome = try ServeLoop(transport: full, configuration: c, stop: StopFlag(), logger: TestSupport.logger)
            .step({ _, ctx in attempt = ctx.attempt }, timeout: 0)
        XCTAssertEqual(outcome, .acked)
        XCTAssertEqual(attempt, 1)
    }
}
