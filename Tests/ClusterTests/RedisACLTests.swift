import XCTest
@testable import Cluster

/// A worker whose Redis ACL user lacks HINCRBY (the attempt counter) on a real redis-server:
/// the item goes back to its queue, then is dead-lettered with the study failed (issue 12).
/// And the users shipped in `Deploy/redis/users.acl` (read from the file): each serving
/// role's user runs the delivery fabric, the same user minus one command of its list is
/// refused with NOPERM and never keeps the item, and no role's user can reach a dangerous
/// command or a key outside the prefix. (`Integration/ClusterACLTests` runs whole studies.)
final class RedisACLTests: XCTestCase {
    func testWorkerWithoutHINCRBYNeverKeepsTheItem() throws {
        let url = try TestSupport.redisURL()
        try TestSupport.flush(url)
        let admin = try RedisConnection(url: url, logger: TestSupport.logger)
        let user = "ctscreen-test-noincr-\(UInt32.random(in: 0...UInt32.max))"
        try admin.command(["ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-hincrby"]).checked("ACL SETUSER")
        defer {
            _ = try? admin.command(["ACL", "DELUSER", user])
            try? TestSupport.flush(url)
        }
        var limited = url
        limited.user = user
        limited.password = "pw"
        let keys = try Keys(prefix: TestSupport.randomPrefix())
        let t = try RedisTransport(url: limited, keys: keys, logger: TestSupport.logger)
        XCTAssertThrowsError(try t.addAttempts("x", 1), "the ACL must refuse HINCRBY")
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
        XCTAssertTrue(reason.contains("NOPERM") || reason.lowercased().contains("permission"), reason)
        XCTAssertEqual(try t.processingItems(process: "w-acl", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try t.deadLetterCount(), 1)
        guard case .failed = try XCTUnwrap(try t.studyRecord("acl")).state else { return XCTFail("study not failed") }
    }

    /// Each serving role's shipped user takes, handles and acks an item; the same user without
    /// HINCRBY (in every serving role's list: the delivery attempt count) hands the item back,
    /// then dead-letters it with a NOPERM reason and fails the study.
    func testEachServingRoleUserServesAndWithoutOneOfItsCommandsGetsNOPERM() throws {
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
            XCTAssertTrue(user.commands.contains("hincrby"), "\(user.name) must list hincrby (attempt counts)")
            let keys = try Keys(prefix: TestSupport.randomPrefix())
            let full = try ShippedACL.createUser(user, on: admin, url: url, prefix: keys.prefix)
            let lacking = try ShippedACL.createUser(user, on: admin, url: url, prefix: keys.prefix, without: ["hincrby"])
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
            guard case .retried = try XCTUnwrap(try loop.step({ _, _ in }, timeout: 0)) else { return XCTFail("\(role): not handed back") }
            guard case .deadLettered(_, let reason) = try XCTUnwrap(try loop.step({ _, _ in }, timeout: 0))
            else { return XCTFail("\(role): not dead-lettered") }
            XCTAssertTrue(reason.contains("NOPERM"), "\(role): \(reason)")
            XCTAssertEqual(try good.processingItems(process: "\(role)-noperm", queue: .studies, lane: .bulk), [], role)
            guard case .failed(let why) = try XCTUnwrap(try good.studyRecord("\(role)-noperm")).state
            else { return XCTFail("\(role): study not failed") }
            XCTAssertTrue(why.contains("NOPERM"), why)
            let denied = try ShippedACL.denials(on: admin, users: [lacking.name])
            XCTAssertTrue(denied.contains { $0.object.lowercased() == "hincrby" }, "\(role): ACL LOG \(denied)")
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
