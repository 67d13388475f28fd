import Foundation
import XCTest
@testable import Cluster

/// The short fault drill (issue 12's acceptance): every fault of the long drill once, on a
/// few phantoms, with fast heartbeats. `Scripts/fault-drill` runs the long and load plans.
/// The plan can be scaled from the environment (what the script does):
/// CTSCREEN_DRILL_PHANTOMS, _WORKERS, _OUTAGE, _FREEZE, _FULL, _KILL_EVERY, _LIMIT,
/// _HEARTBEAT (interval), _SLACK, _EXTRA (a file listing more study folders), _WEIGHTS.
final class FaultDrillTests: XCTestCase {
    func testClusterSurvivesTheFaultDrill() throws {
        _ = try ClusterHarness.binary()
        let env = ProcessInfo.processInfo.environment
        func number(_ name: String) -> Double? { env["CTSCREEN_DRILL_\(name)"].flatMap(Double.init) }
        var plan = FaultDrill.Plan()
        plan.phantomsPerWave = number("PHANTOMS").map(Int.init) ?? plan.phantomsPerWave
        plan.workers = number("WORKERS").map(Int.init) ?? plan.workers
        plan.redisOutage = number("OUTAGE") ?? plan.redisOutage
        plan.freeze = number("FREEZE") ?? plan.freeze
        plan.fullRedis = number("FULL") ?? plan.fullRedis
        plan.killEvery = number("KILL_EVERY")
        plan.limit = number("LIMIT") ?? plan.limit
        plan.heartbeatInterval = number("HEARTBEAT") ?? plan.heartbeatInterval
        plan.heartbeatSlack = number("SLACK") ?? plan.heartbeatSlack
        plan.weights = env["CTSCREEN_DRILL_WEIGHTS"] ?? plan.weights
        if let list = env["CTSCREEN_DRILL_EXTRA"] {
            plan.extraStudies = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        XCTAssertGreaterThan(plan.redisOutage, plan.heartbeatInterval + plan.heartbeatSlack, "the outage must outlast the heartbeat TTL")
        XCTAssertGreaterThan(plan.freeze, plan.heartbeatInterval + plan.heartbeatSlack, "the freeze must outlast the heartbeat TTL")

        let counts = try FaultDrill(plan: plan).run()
        print("fault drill:\n\(counts)")
        XCTAssertEqual(counts.goodDone, counts.good, "\(counts)")
        XCTAssertEqual(counts.goodMatchingAnalyze, counts.good, "\(counts)")
        XCTAssertEqual(counts.goodDoneTwice, 0, "\(counts)")
        XCTAssertEqual(counts.deadLettersForGood, 0, "\(counts)")
        XCTAssertEqual(counts.badFailedOnce, counts.bad, "\(counts)")
        XCTAssertEqual(counts.queuedLeft, 0, "\(counts)")
        XCTAssertEqual(counts.heldLeft, 0, "\(counts)")
        XCTAssertEqual(counts.transientKeysLeft, 0, "\(counts)")
        XCTAssertTrue(counts.problems.isEmpty, "\(counts)")
        // Back to the baseline but for the records of the studies (≈ 1–2 KiB each) and Redis's
        // own caches (scripts, client buffers).
        XCTAssertLessThan(counts.afterBytes - counts.baselineBytes, 2_000_000 + 8_192 * (counts.good + counts.bad), "\(counts)")
    }
}
