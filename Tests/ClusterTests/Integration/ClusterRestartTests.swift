import Foundation
import XCTest
@testable import Cluster

/// Redis restarted (AOF on) in the middle of a run: the processes reconnect with backoff and
/// every study completes.
final class ClusterRestartTests: XCTestCase {
    func testEveryStudyCompletesAcrossARedisRestart() throws {
        _ = try ClusterHarness.binary()
        let server = try OwnRedisServer(appendOnly: true)
        try server.start()
        defer { server.stop() }
        let h = try ClusterHarness(urlText: "redis://127.0.0.1:\(server.port)/0")
        let studies = [try h.phantom("restart-a", seed: 51), try h.phantom("restart-b", seed: 52)]
        try h.start("coordinator", ["--batch-size", "2"], name: "coordinator")
        try h.start("worker", ["--simulate-ms", "300"], name: "worker-1")
        try h.start("worker", ["--simulate-ms", "300"], name: "worker-2")
        try h.start("reducer", [], name: "reducer")
        let ids = ClusterHarness.submittedIDs(try h.submit(studies))
        XCTAssertEqual(ids.count, 2)

        // Restart once some batches are done and others still wait.
        XCTAssertTrue(try h.wait(limit: 120) { try h.transport.counter("slices") > 0 })
        XCTAssertFalse(try h.allFinal(ids), "the run ended before the restart; nothing was tested")
        server.stop()
        Thread.sleep(forTimeInterval: 1)
        try server.start()

        XCTAssertTrue(try h.wait(limit: 180) { try h.allFinal(ids) }, "logs in \(h.dir.path)")
        for id in ids { XCTAssertEqual(try h.transport.studyRecord(id)?.state, .done, id) }
        for (name, status) in h.stopAll() { XCTAssertEqual(status, 0, "\(name) exit status after SIGTERM") }
    }
}
