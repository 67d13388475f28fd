import Foundation
import XCTest
@testable import Cluster

/// The hiredis connection against real redis-servers.
final class RedisConnectionTests: XCTestCase {
    func testTypedRepliesAndBinaryPayloads() throws {
        let url = try TestSupport.redisURL()
        try TestSupport.flush(url)
        defer { try? TestSupport.flush(url) }
        let c = try RedisConnection(url: url, logger: TestSupport.logger)
        let key = "\(TestSupport.randomPrefix()):bin"
        let bytes: [UInt8] = [0, 1, 0, 255, 13, 10, 0]
        XCTAssertEqual(try c.command(["SET", key, bytes]), .status("OK"))
        XCTAssertEqual(try c.command(["GET", key]), .bulk(bytes))
        XCTAssertEqual(try c.command(["STRLEN", key]), .integer(7))
        XCTAssertEqual(try c.command(["GET", key + ":missing"]), .null)
        XCTAssertEqual(try c.command(["RPUSH", key + ":l", "a", "b"]), .integer(2))
        XCTAssertEqual(try c.command(["LRANGE", key + ":l", "0", "-1"]), .array([.bulk(Array("a".utf8)), .bulk(Array("b".utf8))]))
        guard case .error(let e) = try c.command(["INCR", key]) else { return XCTFail("expected an error reply") }
        XCTAssertTrue(e.hasPrefix("ERR"), e)
        XCTAssertEqual(try c.pipeline([["INCR", key + ":n"], ["INCR", key + ":n"], ["GET", key + ":n"]]),
                       [.integer(1), .integer(2), .bulk(Array("2".utf8))])
        XCTAssertEqual(try c.command(["CLIENT", "INFO"]).string?.contains("db=15"), true, "SELECT 15 was applied")
    }

    func testConnectFailsFastOnClosedPort() {
        var options = RedisConnection.Options()
        options.connectTimeout = 1
        XCTAssertThrowsError(try RedisConnection(url: RedisURL(port: TestSupport.free_port()), options: options,
                                                 logger: TestSupport.logger)) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .connectionFailed)
        }
    }

    func testAuthWithACLUserAndPassword() throws {
        let url = try TestSupport.redisURL()
        let admin = try RedisConnection(url: url, logger: TestSupport.logger)
        let user = "u\(TestSupport.randomPrefix())"
        try admin.command(["ACL", "SETUSER", user, "on", ">pa:ss@word", "~*", "&*", "+@all"]).checked("ACL SETUSER")
        defer { _ = try? admin.command(["ACL", "DELUSER", user]) }
        var good = url
        good.user = user
        good.password = "pa:ss@word"
        let parsed = try RedisURL(parsing: "redis://\(user):pa%3Ass%40word@\(url.host):\(url.port)/15")
        XCTAssertEqual(parsed, good)
        let c = try RedisConnection(url: parsed, logger: TestSupport.logger)
        XCTAssertEqual(try c.command(["ACL", "WHOAMI"]).string, user)
        var bad = good
        bad.password = "wrong"
        XCTAssertThrowsError(try RedisConnection(url: bad, logger: TestSupport.logger)) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .serverError)
            XCTAssertTrue("\(error)".contains("AUTH"), "\(error)")
        }
    }

    /// A server restarted under a live connection: the next command reconnects with backoff
    /// and succeeds; a transport take in progress survives it too.
    func testReconnectsAfterServerRestart() throws {
        let server = try OwnRedisServer()
        try server.start()
        defer { server.stop() }
        var options = RedisConnection.Options()
        options.reconnectGiveUp = 60  // bounded so a broken test cannot hang forever
        let url = RedisURL(port: server.port)
        let c = try RedisConnection(url: url, options: options, logger: TestSupport.logger)
        XCTAssertEqual(try c.command(["SET", "k", "v1"]), .status("OK"))
        let transport = try RedisTransport(url: url, options: options, logger: TestSupport.logger)
        try transport.push(Array("x".utf8), to: .slices, lane: .bulk)

        server.stop()
        // Commands issued while the server is down wait in backoff on another thread; the
        // server comes back (started from this thread: Foundation's Process wants that).
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var replies: [Result<RedisReply, Error>] = []
        Thread.detachNewThread {
            // The first command notices the loss (the old socket is dead), the next
            // reconnects with backoff once the server is back.
            replies.append(Result { try c.command(["PING"]) })
            if case .failure = replies[0] { replies.append(Result { try c.command(["PING"]) }) }
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.5)
        try server.start()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        if case .failure(let e) = replies[0] { XCTAssertEqual((e as? ClusterError)?.code, .connectionLost) }
        XCTAssertEqual(try replies.last?.get(), .status("PONG"))
        XCTAssertGreaterThanOrEqual(c.reconnectCount, 1)
        XCTAssertEqual(try c.command(["GET", "k"]), .null, "a fresh server without persistence")
        // The transport repeats its operations after reconnecting.
        try transport.push(Array("y".utf8), to: .slices, lane: .bulk)
        XCTAssertEqual(try transport.take(from: .slices, process: "p", timeout: 0, stop: nil)?.raw, Array("y".utf8))
    }

    /// A serve loop keeps serving across a Redis restart (AOF on): the item in hand is acked
    /// after the restart and the waiting items are all handled.
    func testServeLoopSurvivesRedisRestartWithAOF() throws {
        let server = try OwnRedisServer(appendOnly: true)
        try server.start()
        defer { server.stop() }
        let stop = StopFlag()
        var options = RedisConnection.Options()
        options.reconnectGiveUp = 60
        let transport = try RedisTransport(url: RedisURL(port: server.port), options: options, logger: TestSupport.logger, stop: stop)
        for i in 0..<3 { try transport.push(try TestSupport.studyMessage("s\(i)", keys: transport.keys), to: .studies, lane: .bulk) }
        var config = ServeConfiguration(queue: .studies, role: "coordinator", processID: "c-restart")
        config.takeTimeout = 0.2
        config.heartbeatInterval = 0.2
        config.reapInterval = nil
        let loop = ServeLoop(transport: transport, configuration: config, stop: stop, logger: TestSupport.logger)
        let inHand = DispatchSemaphore(value: 0)
        let restarted = DispatchSemaphore(value: 0)
        let lock = NSLock()
        nonisolated(unsafe) var handled: [String] = []
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? loop.run { env, _ in
                lock.lock(); let first = handled.isEmpty; lock.unlock()
                if first { inHand.signal(); restarted.wait() }
                lock.lock(); handled.append(env.studyID); lock.unlock()
            }
            finished.signal()
        }
        XCTAssertEqual(inHand.wait(timeout: .now() + 30), .success)
        server.stop()
        try server.start()
        restarted.signal()
        for _ in 0..<600 {
            lock.lock(); let n = handled.count; lock.unlock()
            if n == 3 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop.requestStop()
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        lock.lock(); XCTAssertEqual(handled, ["s0", "s1", "s2"]); lock.unlock()
        let check = try RedisTransport(url: RedisURL(port: server.port), logger: TestSupport.logger)
        XCTAssertEqual(try check.depth(.studies, lane: .bulk), 0)
        XCTAssertEqual(try check.processingItems(process: "c-restart", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try check.counter("processed:studies"), 3)
    }

    /// Scripts forgotten by Redis (a restart, SCRIPT FLUSH) are loaded again on NOSCRIPT.
    func testScriptsReloadAfterScriptFlush() throws {
        let url = try TestSupport.redisURL()
        try TestSupport.flush(url)
        defer { try? TestSupport.flush(url) }
        let t = try RedisTransport(url: url, keys: try Keys(prefix: TestSupport.randomPrefix()), logger: TestSupport.logger)
        let m = try TestSupport.studyMessage("a", keys: t.keys)
        try t.push([m, m], to: .studies, lane: .bulk)
        let first = try XCTUnwrap(try t.take(from: .studies, process: "p", timeout: 0, stop: nil))
        try RedisConnection(url: url, logger: TestSupport.logger).command(["SCRIPT", "FLUSH"]).checked("SCRIPT FLUSH")
        XCTAssertTrue(try t.acknowledge(first, messageID: "x", counters: [("n", 1)]))
        try RedisConnection(url: url, logger: TestSupport.logger).command(["SCRIPT", "FLUSH"]).checked("SCRIPT FLUSH")
        XCTAssertEqual(try t.take(from: .studies, process: "p", timeout: 0, stop: nil)?.raw, m)
        XCTAssertEqual(try t.counter("n"), 1)
    }
}
