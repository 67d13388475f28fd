import CTScreenTestSupport
import Foundation
import XCTest
@testable import Cluster

/// `Deploy/redis/make-secrets` and `render-acl` as Deploy uses them: the aclfile holds no
/// password (hashes only), has the admin `default` line Redis needs (without it the default
/// user would be passwordless with every right), moves the key patterns to the prefix, and a
/// role logs in with its URL file against a user made from its rendered line.
final class DeployScriptsTests: XCTestCase {
    private func sh(_ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    func testRenderedACLHasHashesTheAdminAndWorksForARole() throws {
        let url = try TestSupport.redisURL()
        let deploy = SharedFolder.repositoryRoot.appendingPathComponent("Deploy/redis")
        let dir = try SharedFolder.temporaryFolder("acl-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let secrets = dir.appendingPathComponent("secrets").path, out = dir.appendingPathComponent("users.acl").path
        let prefix = TestSupport.randomPrefix()
        var (status, err) = try sh([deploy.appendingPathComponent("make-secrets").path, secrets, "\(url.host):\(url.port)", "\(url.database)"])
        XCTAssertEqual(status, 0, err)
        (status, err) = try sh([deploy.appendingPathComponent("render-acl").path, deploy.appendingPathComponent("users.acl").path,
                                secrets, out, prefix])
        XCTAssertEqual(status, 0, err)
        let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o077, 0, "the aclfile is readable by its owner only")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.range(of: #"^user default on #[0-9a-f]{64} ~\* &\* \+@all$"#, options: .regularExpression) != nil,
                      lines.first ?? "")
        let shipped = try ShippedACL()
        XCTAssertEqual(lines.count, shipped.users.count + 1)
        let text = lines.joined(separator: "\n")
        for file in try FileManager.default.contentsOfDirectory(atPath: secrets) where !file.hasSuffix(".username") {
            let content = try String(contentsOfFile: "\(secrets)/\(file)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let password = content.hasPrefix("redis://") ? try XCTUnwrap(try RedisURL(parsing: content).password) : content
            XCTAssertFalse(text.contains(password), "\(file)'s password is in the aclfile")
        }
        for line in lines.dropFirst() {
            XCTAssertTrue(line.range(of: #" #[0-9a-f]{64}$"#, options: .regularExpression) != nil, line)
            XCTAssertFalse(line.contains("~ctscreen:"), line)
            XCTAssertTrue(line.contains("~\(prefix):"), line)
        }
        // The worker's rendered line, under a fresh name, and the worker's URL file: a login
        // with the password hash works and the user reaches its keys.
        let line = try XCTUnwrap(lines.first { $0.hasPrefix("user ctscreen-worker ") })
        let name = "ctscreen-worker-t\(UInt32.random(in: 0...UInt32.max))"
        let rules = line.split(separator: " ").dropFirst(2).map(String.init)
        let admin = try RedisConnection(url: url, logger: TestSupport.logger)
        try admin.command(["ACL", "SETUSER", name, "reset"] + rules).checked("ACL SETUSER")
        defer { _ = try? admin.command(["ACL", "DELUSER", name]) }
        var worker = try RedisURL(contentsOfFile: "\(secrets)/ctscreen-worker.url")
        XCTAssertEqual(worker.user, "ctscreen-worker")
        worker.user = name
        let c = try RedisConnection(url: worker, logger: TestSupport.logger)
        XCTAssertEqual(try c.command(["LLEN", try Keys(prefix: prefix).queue(.slices, .bulk)]), .integer(0))
        // No `default` (admin) password: refused, saying so.
        try FileManager.default.removeItem(atPath: "\(secrets)/default")
        (status, err) = try sh([deploy.appendingPathComponent("render-acl").path, deploy.appendingPathComponent("users.acl").path,
                                secrets, dir.appendingPathComponent("again.acl").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(err.contains("default") && err.contains("missing"), err)
    }
}
