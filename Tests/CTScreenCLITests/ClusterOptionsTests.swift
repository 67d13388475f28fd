import ArgumentParser
import Cluster
import CTScreenTestSupport
import Foundation
import XCTest
@testable import CTScreenCLI

/// Where the cluster commands find the Redis URL: `--redis-url`, `--redis-url-file`,
/// `$CTSCREEN_REDIS_URL_FILE`, `$CTSCREEN_REDIS_URL`, the default — and that a bad URL file
/// gives one error line naming the path, without the password, through the real binary.
final class ClusterOptionsTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try SharedFolder.temporaryFolder("options") }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func file(_ name: String, _ text: String) throws -> String { try SharedFolder.write(text, to: name, in: dir) }

    func testPrecedence() throws {
        let fromFile = try file("url", "redis://ctscreen-worker:fromfile@redis-a:6379/0\n")
        let envFile = try file("env-url", "redis://ctscreen-worker:fromenvfile@redis-b:6379/0\n")
        let envURL = "redis://:fromenv@redis-c:6379/0"
        typealias R = (url: RedisURL, source: ClusterOptions.Source)
        func resolve(_ flag: String?, _ path: String?, _ env: [String: String]) throws -> R {
            try ClusterOptions.resolve(redisURL: flag, redisURLFile: path, environment: env)
        }
        let both = ["CTSCREEN_REDIS_URL_FILE": envFile, "CTSCREEN_REDIS_URL": envURL]
        var r = try resolve("redis://flag:6379", nil, both)
        XCTAssertEqual(r.url.host, "flag"); XCTAssertEqual(r.source, .argument)
        r = try resolve(nil, fromFile, both)
        XCTAssertEqual(r.url.password, "fromfile"); XCTAssertEqual(r.source, .file(fromFile))
        r = try resolve(nil, nil, ["CTSCREEN_REDIS_URL_FILE": envFile])
        XCTAssertEqual(r.url.password, "fromenvfile"); XCTAssertEqual(r.source, .file(envFile))
        r = try resolve(nil, nil, ["CTSCREEN_REDIS_URL": envURL, "CTSCREEN_REDIS_URL_FILE": ""])
        XCTAssertEqual(r.url.password, "fromenv"); XCTAssertEqual(r.source, .environment)
        r = try resolve(nil, nil, [:])
        XCTAssertEqual(r.url, try RedisURL(parsing: ClusterDefaults.redisURL)); XCTAssertEqual(r.source, .standard)
        // Two environment variables naming two URLs: ambiguous, refused (not a silent pick).
        XCTAssertThrowsError(try resolve(nil, nil, both)) { error in
            XCTAssertTrue("\(error)".contains("both CTSCREEN_REDIS_URL_FILE and CTSCREEN_REDIS_URL"), "\(error)")
            XCTAssertFalse("\(error)".contains("fromenv"), "\(error)")
        }
        XCTAssertThrowsError(try StatusCommand.parse(["--redis-url", "redis://h", "--redis-url-file", fromFile])) { error in
            XCTAssertTrue(StatusCommand.message(for: error).contains("not both"), StatusCommand.message(for: error))
        }
        let parsed = try WorkerCommand.parse(["--redis-url-file", fromFile])
        XCTAssertEqual(parsed.cluster.redisURLFile, fromFile)
        let help = CTScreen.helpMessage(for: WorkerCommand.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for text in ["--redis-url-file", "CTSCREEN_REDIS_URL_FILE", "process arguments"] {
            XCTAssertTrue(help.contains(text), "help lacks \(text):\n\(help)")
        }
    }

    /// The built binary: a missing, empty or malformed URL file (by flag or by environment)
    /// is one `error` line naming the path, exit status 1, no password in any output; a
    /// refused connection names the URL with `***` for the password.
    func testBadURLFileIsOneErrorLineWithoutThePassword() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let missing = dir.appendingPathComponent("missing-url").path
        let empty = try file("empty-url", "\n")
        let malformed = try file("malformed-url", "redis://ctscreen-worker:top/secret@redis:6379/0\n")
        let refused = try file("refused-url", "redis://ctscreen-worker:topsecret@127.0.0.1:\(Self.closedPort())/0\n")
        let cases: [(arguments: [String], env: [String: String], expected: [String])] = [
            (["status", "--redis-url-file", missing], [:], [missing, "no such file"]),
            (["status", "--redis-url-file", empty], [:], [empty, "is empty"]),
            (["worklist", "--out", dir.appendingPathComponent("w.csv").path], ["CTSCREEN_REDIS_URL_FILE": malformed],
             [malformed, "percent-escape"]),
            (["worker", "--simulate-ms", "1"], ["CTSCREEN_REDIS_URL_FILE": missing], [missing, "no such file"]),
            (["status", "--interval", "0"], ["CTSCREEN_REDIS_URL_FILE": refused], ["ctscreen-worker:***@127.0.0.1"]),
        ]
        for c in cases {
            let (status, out, err) = try Self.run(binary, c.arguments, env: c.env)
            let what = c.arguments.joined(separator: " ")
            XCTAssertNotEqual(status, 0, what)
            let lines = err.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(what): \(err)")
            for text in c.expected { XCTAssertTrue(err.contains(text), "\(what): expected '\(text)' in \(err)") }
            for secret in ["topsecret", "top/secret", "secret@"] {
                XCTAssertFalse(err.contains(secret) || out.contains(secret), "\(what): password leaked: \(err)")
            }
        }
    }

    /// A loopback port nobody listens on (bound, then closed).
    private static func closedPort() -> Int {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(s) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs the binary with extra environment (the URL variables of the caller removed).
    static func run(_ binary: URL, _ arguments: [String], env: [String: String]) throws -> (Int32, String, String) {
        var environment = ProcessInfo.processInfo.environment
        environment["CTSCREEN_REDIS_URL"] = nil
        environment["CTSCREEN_REDIS_URL_FILE"] = nil
        return try AnalyzeTests.run(binary, arguments, environment: environment.merging(env) { $1 })
    }
}
