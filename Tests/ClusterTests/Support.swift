import Foundation
import Logging
import XCTest
@testable import Cluster

/// Test plumbing: transports for the behavioural suite and a throw-away redis-server.
enum TestSupport {
    static let logger: Logger = {
        var l = Logger(label: "ctscreen.tests")
        l.logLevel = .critical  // keep test output readable; tests assert on outcomes
        return l
    }()

    /// The test Redis (db 15 whatever the URL says), or XCTSkip if the variable is absent.
    static func redisURL() throws -> RedisURL {
        guard let text = ProcessInfo.processInfo.environment["CTSCREEN_TEST_REDIS_URL"], !text.isEmpty else {
            throw XCTSkip("CTSCREEN_TEST_REDIS_URL is not set (Scripts/test sets it): skipping the Redis test")
        }
        var url = try RedisURL(parsing: text)
        url.database = 15
        return url
    }

    static func randomPrefix() -> String { "t\(UInt32.random(in: 0...UInt32.max))" }

    static func flush(_ url: RedisURL) throws {
        let c = try RedisConnection(url: url, logger: logger)
        try c.command(["FLUSHDB"]).checked("FLUSHDB")
    }

    static func message(_ body: MessageBody, lane: Lane = .bulk, id: String? = nil, keys: Keys) throws -> [UInt8] {
        try MessageCodec(keys: keys).encode(Envelope(body: body, lane: lane, id: id ?? UUID().uuidString))
    }

    static func studyMessage(_ study: String, keys: Keys, lane: Lane = .bulk) throws -> [UInt8] {
        try message(.study(StudyDescriptor(studyID: study, sources: ["/data/\(study)"])), lane: lane, keys: keys)
    }

    static func free_port() -> Int {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(s) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// A redis-server of the test's own (for restart tests), on a free loopback port.
final class OwnRedisServer {
    let port: Int
    let dir: URL
    let appendOnly: Bool
    private var process: Process?

    init(appendOnly: Bool = false) throws {
        self.appendOnly = appendOnly
        port = TestSupport.free_port()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always",
                       "--dir", dir.path, "--loglevel", "warning"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        // Wait until it answers (bounded; not a timing assertion).
        for _ in 0..<100 {
            if let c = try? RedisConnection(url: RedisURL(port: port), logger: TestSupport.logger),
               (try? c.command(["PING"])) == .status("PONG") { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw XCTSkip("own redis-server on port \(port) did not start")
    }

    func stop() {
        guard let p = process else { return }
        // SHUTDOWN first: a signal may be blocked in the server if it was spawned from a
        // thread that blocks signals; the command always works.
        if let c = try? RedisConnection(url: RedisURL(port: port), logger: TestSupport.logger) {
            _ = try? c.command(["SHUTDOWN", "NOSAVE"])
        }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: dir)
    }
}
