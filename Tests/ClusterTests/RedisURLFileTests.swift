import CTScreenTestSupport
import Foundation
import XCTest
@testable import Cluster

/// The Redis URL read from a file (a Kubernetes Secret file, a systemd credential, a compose
/// secret): each bad file gives one error naming the path, and no error ever shows the
/// password, whatever the file holds.
final class RedisURLFileTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try SharedFolder.temporaryFolder("urlfile") }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func file(_ name: String, _ text: String) throws -> String { try SharedFolder.write(text, to: name, in: dir) }

    func testReadsOneURLIgnoringSurroundingWhitespace() throws {
        let path = try file("url", "  redis://ctscreen-worker:s3cret@127.0.0.1:6380/2\n")
        XCTAssertEqual(try RedisURL(contentsOfFile: path),
                       RedisURL(host: "127.0.0.1", port: 6380, database: 2, user: "ctscreen-worker", password: "s3cret"))
        // kubectl create secret --from-literal writes no final newline; both read the same.
        XCTAssertEqual(try RedisURL(contentsOfFile: try file("bare", "redis://:pw@redis")).password, "pw")
    }

    func testBadFilesGiveOneErrorNamingThePath() throws {
        var cases: [(path: String, reason: String)] = [
            (dir.appendingPathComponent("missing").path, "no such file"),
            (try file("empty", ""), "is empty"),
            (try file("blank", " \n\n "), "is empty"),
            (try file("two", "redis://:topsecret@a\nredis://:topsecret@b\n"), "more than one line"),
            (dir.path, "is a directory"),
            (try file("big", String(repeating: "x", count: 5000)), "larger than 4096 bytes"),
            (try file("password-only", "topsecret\n"), "must start with redis://"),
            (try file("rediss", "rediss://u:topsecret@h:6379/0"), "TLS tunnel"),
            (try file("raw-slash", "redis://u:top/secret@h:6379/0"), "percent-escape"),
            (try file("raw-hash", "redis://u:top#secret@h:6379/0"), "percent-escape"),
            (try file("raw-query", "redis://u:top?secret@h:6379/0"), "percent-escape"),
            (try file("bad-port", "redis://u:topsecret@h:port/0"), "port is not a number"),
        ]
        if geteuid() != 0 {  // root reads a mode-000 file; the check needs an ordinary user
            let locked = try file("locked", "redis://:topsecret@h")
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked)
            cases.append((locked, "permission denied"))
        }
        for c in cases {
            XCTAssertThrowsError(try RedisURL(contentsOfFile: c.path), c.path) { error in
                let text = "\(error)"
                XCTAssertEqual((error as? ClusterError)?.code, .invalidURL, text)
                XCTAssertTrue(text.contains("Redis URL file '\(c.path)'"), text)
                XCTAssertTrue(text.contains(c.reason), "expected '\(c.reason)' in: \(text)")
                XCTAssertFalse(text.contains("\n"), "one line: \(text)")
                for secret in ["topsecret", "top/secret", "top#secret", "top?secret", "secret@"] {
                    XCTAssertFalse(text.contains(secret), "the password leaked: \(text)")
                }
            }
        }
    }

    /// What `RedisURL` prints (logs, errors of the connection) hides the password, and a parse
    /// error hides the user info and never quotes a piece of the URL.
    func testNothingPrintsThePassword() throws {
        let url = try RedisURL(parsing: "redis://ctscreen-worker:topsecret@redis:6379/0")
        XCTAssertEqual("\(url)", "redis://ctscreen-worker:***@redis:6379/0")
        for bad in ["redis://u:top/secret@h", "redis://u:topsecret@h:99999", "redis://u:topsecret@h/db",
                    "topsecret", "redis://u:top%zzsecret@h"] {
            XCTAssertThrowsError(try RedisURL(parsing: bad), bad) { error in
                XCTAssertFalse("\(error)".contains("secret"), "\(error)")
            }
        }
        XCTAssertEqual(RedisURL.redact("topsecret"), "<9 characters, not shown: not a URL>")
        XCTAssertEqual(RedisURL.redact("redis://u:p@ss@h:1/0"), "redis://***@h:1/0")
        XCTAssertEqual(RedisURL.redact("redis://h:1/0"), "redis://h:1/0")
    }

    /// A connection that fails (refused, wrong password) names the URL without its password.
    func testConnectionErrorsHideThePassword() throws {
        let refused = RedisURL(host: "127.0.0.1", port: TestSupport.free_port(), user: "u", password: "topsecret")
        XCTAssertThrowsError(try RedisConnection(url: refused, logger: TestSupport.logger)) { error in
            XCTAssertTrue("\(error)".contains("u:***@127.0.0.1"), "\(error)")
            XCTAssertFalse("\(error)".contains("topsecret"), "\(error)")
        }
        var wrong = try TestSupport.redisURL()
        wrong.user = "nobody-\(UInt32.random(in: 0...UInt32.max))"
        wrong.password = "topsecret"
        XCTAssertThrowsError(try RedisConnection(url: wrong, logger: TestSupport.logger)) { error in
            XCTAssertTrue("\(error)".contains("AUTH"), "\(error)")
            XCTAssertFalse("\(error)".contains("topsecret"), "\(error)")
        }
    }
}
