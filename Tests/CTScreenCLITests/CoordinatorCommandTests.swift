import ArgumentParser
import CTScreenTestSupport
import Cluster
import Preparation
import Screening
import XCTest
@testable import CTScreenCLI

/// The coordinator's options: the screening settings `analyze` takes (threshold, operating
/// points, batch size) reach the settings every batch carries; memory sizes read as Redis
/// writes them.
final class CoordinatorCommandTests: XCTestCase {
    func testScreeningOptionsReachTheSettingsBatchesCarry() throws {
        let weights = try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path
        let coordinator = try CoordinatorCommand.parse(["--weights", weights, "--threshold", "0.7",
                                                        "--operating-point", "strict=5%", "--batch-size", "4"]).makeCoordinator()
        let settings = coordinator.pipeline.settings
        XCTAssertEqual(settings.positiveThreshold, 0.7)
        XCTAssertEqual(settings.batchSize, 4)
        XCTAssertEqual(settings.operatingPoints, [OperatingPoint(name: "strict", positiveRatio: 0.05)])
        // Analyze takes the same options with the same defaults and checks.
        let analyze = try Analyze.parse(["study", "--out", "o"])
        let defaults = try CoordinatorCommand.parse([])
        XCTAssertEqual(analyze.screening.threshold, defaults.screening.threshold)
        XCTAssertEqual(analyze.screening.batchSize, defaults.screening.batchSize)
        for bad in [["--threshold", "1.5"], ["--batch-size", "0"], ["--operating-point", "nonsense"]] {
            XCTAssertThrowsError(try CoordinatorCommand.parse(bad), "\(bad)")
            XCTAssertThrowsError(try Analyze.parse(["study", "--out", "o"] + bad), "\(bad)")
        }
    }

    func testRedisMemoryBudgetReadsRedisSizes() throws {
        XCTAssertEqual(try CoordinatorCommand.bytes("512mb"), 512 << 20)
        XCTAssertEqual(try CoordinatorCommand.bytes("4GB"), 4 << 30)
        XCTAssertEqual(try CoordinatorCommand.bytes("1.5g"), 3 << 29)
        XCTAssertEqual(try CoordinatorCommand.bytes("1000"), 1000)
        for bad in ["", "lots", "-1mb", "0"] { XCTAssertThrowsError(try CoordinatorCommand.bytes(bad), bad) }
        XCTAssertEqual(try CoordinatorCommand.parse(["--redis-memory-budget", "2gb"]).redisMemoryBudget, 2 << 30)
    }

    /// The reaper's outage grace follows the heartbeat settings and refuses values that would
    /// let a Redis restart pass for every process dying.
    func testOutageGraceFollowsTheHeartbeat() throws {
        XCTAssertEqual(try RoleOptions.parse([]).effectiveOutageGrace, ClusterDefaults.outageGrace)
        XCTAssertEqual(try RoleOptions.parse(["--heartbeat-slack", "20"]).effectiveOutageGrace, 24)  // 2 × 2 + 20
        XCTAssertEqual(try RoleOptions.parse(["--outage-grace", "30"]).effectiveOutageGrace, 30)
        XCTAssertThrowsError(try RoleOptions.parse(["--outage-grace", "11"]))
        XCTAssertThrowsError(try RoleOptions.parse(["--heartbeat-slack", "20", "--outage-grace", "20"]))
        XCTAssertEqual(try RoleOptions.parse(["--heartbeat-interval", "0.5", "--heartbeat-slack", "2"]).effectiveOutageGrace, 12)
    }
}
