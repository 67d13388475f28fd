import Foundation
import XCTest
@testable import Cluster

/// Whole studies through processes that each log in as their role's user from
/// `Deploy/redis/users.acl` (read from the file), each given its URL in a file
/// (`--redis-url-file`, as Deploy does): coordinator, simulated worker and reducer finish the
/// study, the operator's user submits it and runs status, result and worklist, and Redis
/// logged no denial. Then the same cluster with the worker's user missing one command of its
/// list (HSETNX, the batch-result write only the worker's list has): a misconfigured
/// process, not a bad study. The worker hands its batch back and exits non-zero saying it
/// cannot serve, Redis's ACL LOG names the command, nothing is dead-lettered or failed; once
/// the user is given the command, a new worker finishes the study.
final class ClusterACLTests: XCTestCase {
    private final class Cluster {
        let h: ClusterHarness
        let admin: RedisConnection
        var users: [String: (url: RedisURL, name: String, file: String)] = [:]
        /// The role processes this test started (the harness's own `start` passes the URL as
        /// an argument; these get it from a file).
        var processes: [ClusterHarness.Proc] = []

        init(h: ClusterHarness, admin: RedisConnection) { self.h = h; self.admin = admin }

        /// SIGTERM to every process, SIGKILL after 15 s; the exit statuses by name.
        @discardableResult
        func stopAll() -> [String: Int32] { ClusterHarness.stop(processes) }

        deinit {
            stopAll()
            for (_, u) in users { _ = try? admin.command(["ACL", "DELUSER", u.name]) }
        }
    }

    private func cluster(dropping: [String: Set<String>] = [:]) throws -> Cluster {
        let h = try ClusterHarness.withTestRedis(configuration: "debug")
        let url = try RedisURL(parsing: h.urlText)
        let c = Cluster(h: h, admin: try RedisConnection(url: url, logger: TestSupport.logger))
        let acl = try ShippedACL()
        for role in ["coordinator", "worker", "reducer", "operator"] {
            let made = try ShippedACL.createUser(try acl.user(role), on: c.admin, url: url, prefix: h.prefix,
                                                 without: dropping[role] ?? [])
            let file = h.dir.appendingPathComponent("\(role).url")
            // The URL as Deploy/redis/make-secrets writes it: user, password, host, database.
            try Data("redis://\(made.name):\(made.url.password ?? "")@\(url.host):\(url.port)/\(url.database)\n".utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            c.users[role] = (made.url, made.name, file.path)
        }
        return c
    }

    /// Starts a role as its user: the URL only in a file, nothing secret in the arguments.
    @discardableResult
    private func start(_ c: Cluster, _ role: String, _ extra: [String] = []) throws -> ClusterHarness.Proc {
        let file = try XCTUnwrap(c.users[role]).file
        let name = "\(role)-\(c.processes.count)"
        let log = c.h.dir.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = c.h.binary
        p.arguments = [role, "--prefix", c.h.prefix] + c.h.roleTuning + extra
        var env = ProcessInfo.processInfo.environment
        env["CTSCREEN_REDIS_URL"] = nil
        env["CTSCREEN_REDIS_URL_FILE"] = file
        p.environment = env
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        let proc = ClusterHarness.Proc(process: p, log: log, name: name)
        c.processes.append(proc)
        return proc
    }

    private func operatorRun(_ c: Cluster, _ arguments: [String]) throws -> (Int32, String) {
        let file = try XCTUnwrap(c.users["operator"]).file
        return try c.h.run([arguments[0], "--redis-url-file", file, "--prefix", c.h.prefix] + arguments.dropFirst())
    }

    func testEveryRoleRunsUnderItsShippedUser() throws {
        let c = try cluster()
        let h = c.h
        let study = try h.phantom("acl-ok", seed: 61, slices: 16)
        try start(c, "coordinator", ["--batch-size", "8"])
        try start(c, "worker", ["--simulate-ms", "1"])
        try start(c, "reducer", ["--output-root", h.dir.appendingPathComponent("reports").path])
        let (status, out) = try operatorRun(c, ["submit", "--output-root", h.dir.appendingPathComponent("reports").path, study])
        XCTAssertEqual(status, 0, out)
        let ids = ClusterHarness.submittedIDs(out)
        XCTAssertEqual(ids.count, 1, out)
        XCTAssertTrue(try h.wait(limit: 180) { try h.allFinal(ids) }, "logs in \(h.dir.path)")
        for id in ids { XCTAssertEqual(try h.transport.studyRecord(id)?.state, .done, "\(id); logs in \(h.dir.path)") }

        // The operator's tools, under the operator's user.
        for arguments in [["status", "--interval", "0"], ["result", ids[0]],
                          ["worklist", "--out", h.dir.appendingPathComponent("worklist.csv").path],
                          ["submit", "--output-root", h.dir.appendingPathComponent("reports").path, study]] {
            let (s, text) = try operatorRun(c, arguments)
            XCTAssertEqual(s, 0, "\(arguments): \(text); \((try? String(contentsOf: h.dir.appendingPathComponent("cmd.err"), encoding: .utf8)) ?? "")")
        }
        let statuses = c.stopAll()
        for (name, s) in statuses { XCTAssertEqual(s, 0, "\(name) exit status after SIGTERM (graceful stop under its user)") }
        let denied = try ShippedACL.denials(on: c.admin, users: Set(c.users.values.map(\.name)))
        XCTAssertTrue(denied.isEmpty, "Redis denied: \(denied)")
        for p in c.processes {
            XCTAssertFalse(p.text.contains("NOPERM"), "\(p.name): \(p.text)")
            for u in c.users.values { XCTAssertFalse(p.text.contains(u.url.password ?? "\u{0}"), "\(p.name) logged a password") }
        }
        XCTAssertEqual(try h.transport.deadLetterCount(), 0)
    }

    func testWorkerMissingOneCommandOfItsListStopsAndTheStudyWaits() throws {
        let acl = try ShippedACL()
        let worker = try acl.user("worker")
        // The command only the worker's list has (its batch-result write): derived from the file.
        let others = Set(try ["coordinator", "reducer"].flatMap { try acl.user($0).commands })
        let only = worker.commands.filter { !others.contains($0) }
        XCTAssertTrue(only.contains("hsetnx"), "the worker's list should have hsetnx beyond the others': \(only)")
        let c = try cluster(dropping: ["worker": ["hsetnx"]])
        let h = c.h
        let study = try h.phantom("acl-noperm", seed: 62, slices: 16)
        try start(c, "coordinator", ["--batch-size", "8", "--max-attempts", "2"])
        let misconfigured = try start(c, "worker", ["--simulate-ms", "1", "--max-attempts", "2"])
        try start(c, "reducer", ["--max-attempts", "2"])
        let (status, out) = try operatorRun(c, ["submit", "--output-root", h.dir.appendingPathComponent("reports").path, study])
        XCTAssertEqual(status, 0, out)
        let id = try XCTUnwrap(ClusterHarness.submittedIDs(out).first)
        XCTAssertTrue(h.wait(limit: 120) { !misconfigured.process.isRunning }, "the worker kept serving; logs in \(h.dir.path)")
        misconfigured.process.waitUntilExit()
        XCTAssertNotEqual(misconfigured.process.terminationStatus, 0)
        XCTAssertTrue(misconfigured.text.contains("cannot serve"), misconfigured.text)
        XCTAssertEqual(try h.transport.studyRecord(id)?.state, .classifying, "a misconfigured worker must not fail the study")
        XCTAssertEqual(try h.transport.deadLetterCount(), 0)
        XCTAssertGreaterThan(try h.transport.depth(.slices, lane: .bulk), 0, "its batch waits in the queue")
        let denied = try ShippedACL.denials(on: c.admin, users: Set(c.users.values.map(\.name)))
        XCTAssertFalse(denied.isEmpty)
        XCTAssertTrue(denied.allSatisfy { $0.user == c.users["worker"]?.name && $0.object.lowercased() == "hsetnx" }, "\(denied)")

        // Ops give the user the command; a new worker finishes the study.
        let name = try XCTUnwrap(c.users["worker"]).name
        _ = try c.admin.command(["ACL", "SETUSER", name, "+hsetnx"]).checked("ACL SETUSER")
        try start(c, "worker", ["--simulate-ms", "1", "--max-attempts", "2"])
        XCTAssertTrue(try h.wait(limit: 180) { try h.allFinal([id]) }, "logs in \(h.dir.path)")
        XCTAssertEqual(try h.transport.studyRecord(id)?.state, .done)
        c.stopAll()
        for p in try h.transport.registeredProcesses() {
            for q in QueueName.allCases {
                for lane in Lane.allCases { XCTAssertEqual(try h.transport.processingItems(process: p.id, queue: q, lane: lane), [], p.id) }
            }
        }
    }
}
