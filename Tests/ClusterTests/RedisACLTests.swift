import XCTest
@testable import Cluster

/// A worker whose Redis ACL user lacks INCRBY (the attempt counter's script) on a real
/// redis-server: a misconfigured process, not a bad item. The item goes back to the head of
/// its queue, uncounted, for another process; the loop stops with an error naming the
/// refusal; nothing is dead-lettered and the study is not failed (issue 12).
/// And the users shipped in `Deploy/redis/users.acl` (read from the file): each serving
/// role's user runs the delivery fabric, the same user minus one command of its list is
/// refused and never keeps the item, and no role's user can reach a dangerous command or a
/// key outside the prefix. (`Integration/ClusterACLTests` runs whole studies.)
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

    /// Each serving role's shipped user takes, handles and acks an item; the same user without
    /// INCRBY (in every serving role's list: the delivery count script) hands the item back
    /// uncounted and stops serving with a permission error; no dead letter, the study goes on.
    func testEachServingRoleUserServesAndWithoutOneOfItsCommandsHandsBack() throws {
        let url = try TestSupport.redisURL()
        try TestSupport.flush(url)
        let admin = try RedisConnection(url: url, logger: TestSupport.logger)
        let acl = try ShippedACL()
        var created: [String] = []
        defer {
            for name in created { _ = try? admin.command(["ACL", "DELUSER", name]) }
            try? TestSupport.flush(url)
        }
        for role in ["coordinator", "worker", "reducer"] {
            let user = try acl.user(role)
            XCTAssertTrue(user.commands.contains("incrby"), "\(user.name) must list incrby (delivery counts)")
            let keys = try Keys(prefix: TestSupport.randomPrefix())
            let full = try ShippedACL.createUser(user, on: admin, url: url, prefix: keys.prefix)
            let lacking = try ShippedACL.createUser(user, on: admin, url: url, prefix: keys.prefix, without: ["incrby"])
            created += [full.name, lacking.name]

            let good = try RedisTransport(url: full.url, keys: keys, logger: TestSupport.logger)
            try good.push(try TestSupport.studyMessage("\(role)-ok", keys: keys), to: .studies, lane: .bulk)
            var config = ServeConfiguration(queue: .studies, role: role, processID: "\(role)-ok")
            config.maxAttempts = 2
            let okLoop = ServeLoop(transport: good, configuration: config, stop: StopFlag(), logger: TestSupport.logger)
            XCTAssertEqual(try okLoop.step({ _, _ in }, timeout: 0), .acked, role)

            let bad = try RedisTransport(url: lacking.url, keys: keys, logger: TestSupport.logger)
            try good.transition(studyID: "\(role)-noperm", to: .classifying)
            try good.push(try TestSupport.studyMessage("\(role)-noperm", keys: keys), to: .studies, lane: .bulk)
            config.processID = "\(role)-noperm"
            let loop = ServeLoop(transport: bad, configuration: config, stop: StopFlag(), logger: TestSupport.logger)
            XCTAssertThrowsError(try loop.step({ _, _ in }, timeout: 0), role) { error in
                XCTAssertEqual((error as? ClusterError)?.code, .permissionDenied, "\(role): \(error)")
            }
            XCTAssertEqual(try good.processingItems(process: "\(role)-noperm", queue: .studies, lane: .bulk), [], role)
            XCTAssertEqual(try good.depth(.studies, lane: .bulk), 1, role)
            XCTAssertEqual(try good.deadLetterCount(), 0, role)
            XCTAssertEqual(try good.studyRecord("\(role)-noperm")?.state, .classifying, role)
            let denied = try ShippedACL.denials(on: admin, users: [lacking.name])
            XCTAssertTrue(denied.contains { $0.object.lowercased() == "incrby" }, "\(role): ACL LOG \(denied)")
            try TestSupport.flush(url)
        }
    }

    /// No shipped user can run a dangerous command (FLUSHDB, CONFIG, KEYS, CLIENT, EVAL of its own
    /// script, ACL), read or write a key outside the prefix, or use Pub/Sub; the KEDA user reads
    /// only the lengths of the slice queues. Categories come from the server (`COMMAND INFO`),
    /// so a command added to the file that Redis counts as @dangerous or @admin fails here.
    func testNoShippedUserReachesDangerousCommandsOrOtherKeys() throws {
        let url = try TestSupport.redisURL()
        let admin = try RedisConnection(url: url, logger: TestSupport.logger)
        let acl = try ShippedACL()
        // INFO is @dangerous only because it shows the configuration; the admission control
        // reads INFO memory. Grant it by name, nothing else of the category.
        let allowedDangerous: Set<String> = ["info"]
        for user in acl.users {
            for command in user.commands {
                let name = command.split(separator: "|").map(String.init)
                let info = try admin.command(["COMMAND", "INFO", name[0]]).checked("COMMAND INFO").array?.first
                guard let entry = info?.array, entry.count >= 7 else { XCTFail("\(user.name): unknown command \(command)"); continue }
                var categories = (entry[6].array ?? []).compactMap(\.string)
                if name.count == 2, entry.count >= 10 {  // a subcommand: its own categories
                    let sub = (entry[9].array ?? []).first { $0.array?.first?.string?.lowercased() == command }
                    categories = (sub?.array?[6].array ?? []).compactMap(\.string)
                }
                if !allowedDangerous.contains(command) {
                    XCTAssertFalse(categories.contains("@dangerous") || categories.contains("@admin"),
                                   "\(user.name) is granted \(command) (\(categories))")
                }
            }
            XCTAssertFalse(user.rules.contains { $0.hasPrefix("+@") || $0 == "allcommands" || $0 == "~*" || $0 == "allkeys" || $0 == "&*" },
                           "\(user.name): \(user.rules)")
        }
        let prefix = TestSupport.randomPrefix()
        var created: [String] = []
        defer { for name in created { _ = try? admin.command(["ACL", "DELUSER", name]) } }
        let probes: [[String]] = [["FLUSHDB"], ["CONFIG", "GET", "maxmemory"], ["KEYS", "\(prefix):*"], ["CLIENT", "LIST"],
                                  ["EVAL", "return 1", "0"], ["ACL", "WHOAMI"], ["SCRIPT", "FLUSH"], ["PUBLISH", "\(prefix):c", "x"],
                                  ["GET", "other:key"], ["SET", "other:key", "1"], ["LLEN", "other:queue"]]
        for user in acl.users {
            let made = try ShippedACL.createUser(user, on: admin, url: url, prefix: prefix)
            created.append(made.name)
            let c = try RedisConnection(url: made.url, logger: TestSupport.logger)
            for probe in probes {
                guard case .error(let e) = try c.command(probe) else { XCTFail("\(user.name) may run \(probe)"); continue }
                XCTAssertTrue(e.hasPrefix("NOPERM"), "\(user.name) \(probe): \(e)")
            }
        }
        let keda = try ShippedACL.createUser(try acl.user("keda"), on: admin, url: url, prefix: prefix)
        created.append(keda.name)
        let k = try RedisConnection(url: keda.url, logger: TestSupport.logger)
        let keys = try Keys(prefix: prefix)
        XCTAssertEqual(try k.command(["LLEN", keys.queue(.slices, .bulk)]), .integer(0))
        XCTAssertEqual(try k.command(["LLEN", keys.queue(.slices, .urgent)]), .integer(0))
        for probe in [["LLEN", keys.queue(.studies, .bulk)], ["LPUSH", keys.queue(.slices, .bulk), "x"], ["GET", keys.reaperLock]] {
            guard case .error(let e) = try k.command(probe) else { XCTFail("keda may run \(probe)"); continue }
            XCTAssertTrue(e.hasPrefix("NOPERM"), "keda \(probe): \(e)")
        }
    }
}
