import XCTest
@testable import Cluster

/// A worker whose Redis ACL user lacks INCRBY (the attempt counter's script) on a real redis-server:
/// the item goes back to its queue, then is dead-lettered with the study failed (issue 12).
final class RedisACLTests: XCTestCase {
    func testWorkerWithoutINCRBYNeverKeepsTheItem() throws {
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
        XCTAssertThrowsError(try t.addAttempts("x", 1), "the ACL must refuse INCRBY")
        try t.transition(studyID: "acl", to: .classifying)
        try t.push(try TestSupport.studyMessage("acl", keys: keys), to: .studies, lane: .bulk)
        var config = ServeConfiguration(queue: .studies, role: "worker", processID: "w-acl")
        config.maxAttempts = 2
        let loop = ServeLoop(transport: t, configuration: config, stop: StopFlag(), logger: TestSupport.logger)
        guard case .retried = try XCTUnwrap(try loop.step({ _, _ in }, timeout: 0)) else { return XCTFail("not handed back") }
        XCTAssertEqual(try t.processingItems(process: "w-acl", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
        guard case .deadLettered(.attemptsExhausted, let reason) = try XCTUnwrap(try loop.step({ _, _ in }, timeout: 0))
        else { return XCTFail("not dead-lettered") }
        XCTAssertTrue(reason.contains("NOPERM") || reason.lowercased().contains("permission")
                      || reason.contains("can't run this command"), reason)
        XCTAssertEqual(try t.processingItems(process: "w-acl", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try t.deadLetterCount(), 1)
        guard case .failed = try XCTUnwrap(try t.studyRecord("acl")).state else { return XCTFail("study not failed") }
    }
}
