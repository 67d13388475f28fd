import Foundation
import XCTest
@testable import Cluster

/// Issue 14 item 5 at cluster level: a study whose DICOM decoder crashes costs that study,
/// not the coordinator. The coordinator (debug binary, simulated workers) reads studies
/// through decoder children; fault injection makes the child raise SIGSEGV on the poison
/// study's files only.
final class ClusterDecoderCrashTests: XCTestCase {
    func testDecoderCrashFailsTheStudyOnceAndTheCoordinatorSurvives() throws {
        let h = try ClusterHarness.withTestRedis(configuration: "debug")
        let poison = try h.phantom("decoder-poison", seed: 41), healthy = try h.phantom("decoder-healthy", seed: 42)
        let poisonID = try ClusterHarness.studyID(of: poison), healthyID = try ClusterHarness.studyID(of: healthy)
        let attempts = ["--max-attempts", "3"]
        // Test-only fault injection (DecoderProcess.faultInjectionVariable), read by the decoder child.
        let fault = ["CTSCREEN_FAULT_INJECT_DECODER": "segv:/decoder-poison/"]
        let coordinator = try h.start("coordinator", attempts + ["--batch-size", "64"], env: fault, name: "coordinator")
        try h.start("reducer", attempts, name: "reducer")
        try h.start("worker", attempts + ["--simulate-ms", "5"], name: "worker")
        let ids = ClusterHarness.submittedIDs(try h.submit([poison, healthy]))
        XCTAssertEqual(Set(ids), [poisonID, healthyID])

        XCTAssertTrue(try h.wait(limit: 240) { try h.allFinal(ids) }, "logs in \(h.dir.path)")
        // The same coordinator process read the healthy study after the crash, and still runs.
        XCTAssertTrue(coordinator.process.isRunning, coordinator.text)
        XCTAssertEqual(try h.transport.studyRecord(healthyID)?.state, .done)
        let failed = try XCTUnwrap(try h.transport.studyRecord(poisonID)?.state)
        XCTAssertEqual(failed.name, .failed)
        for part in ["the DICOM decoder crashed (SIGSEGV) on", "decoder-poison/", poison] {
            XCTAssertTrue(failed.reason.contains(part), "'\(part)' not in: \(failed.reason)")
        }
        // Failed once: one dead letter, a permanent failure on its first delivery, no retries.
        let dead = try h.transport.deadLetters(limit: 10).compactMap(DeadLetter.decode)
        XCTAssertEqual(dead.count, 1)
        XCTAssertEqual(dead.first?.studyID, poisonID)
        XCTAssertEqual(dead.first?.cause, .permanentFailure)
        XCTAssertEqual(dead.first?.attempts, 1)
        XCTAssertTrue(dead.first?.reason.contains("SIGSEGV") == true, dead.first?.reason ?? "")
        let statuses = h.stopAll()
        XCTAssertEqual(statuses["coordinator"], 0, coordinator.text)
    }

    /// The same with a real corrupt file and no fault injection: one slice's header cut to
    /// 300 bytes makes Debian's GDCM abort on an assertion. `submit`'s discovery lists the
    /// file as unreadable and submits the series; the coordinator's decoder child aborts on
    /// it; the study fails once, naming the file; the coordinator goes on.
    func testCorruptFileFailsTheStudyOnceAndTheCoordinatorSurvives() throws {
        let h = try ClusterHarness.withTestRedis(configuration: "debug")
        let corrupt = try h.phantom("corrupt-header", seed: 51), healthy = try h.phantom("intact", seed: 52)
        let victim = URL(fileURLWithPath: corrupt).appendingPathComponent("slice-0001.dcm")
        let files = try FileManager.default.contentsOfDirectory(atPath: corrupt).sorted()
        let target = files.contains(victim.lastPathComponent) ? victim : URL(fileURLWithPath: corrupt).appendingPathComponent(files[0])
        try Data(try Data(contentsOf: target).prefix(300)).write(to: target)
        let attempts = ["--max-attempts", "3"]
        let coordinator = try h.start("coordinator", attempts + ["--batch-size", "64"], name: "coordinator")
        try h.start("reducer", attempts, name: "reducer")
        try h.start("worker", attempts + ["--simulate-ms", "5"], name: "worker")
        let ids = ClusterHarness.submittedIDs(try h.submit([corrupt, healthy]))
        XCTAssertEqual(ids.count, 2)

        XCTAssertTrue(try h.wait(limit: 240) { try h.allFinal(ids) }, "logs in \(h.dir.path)")
        XCTAssertTrue(coordinator.process.isRunning, coordinator.text)
        let states = try ids.map { try XCTUnwrap(try h.transport.studyRecord($0)?.state) }
        XCTAssertEqual(states.filter { $0.name == .done }.count, 1)
        let failed = try XCTUnwrap(states.first { $0.name == .failed })
        for part in ["the DICOM decoder crashed (SIGABRT) on", target.path, "Assertion"] {
            XCTAssertTrue(failed.reason.contains(part), "'\(part)' not in: \(failed.reason)")
        }
        let dead = try h.transport.deadLetters(limit: 10).compactMap(DeadLetter.decode)
        XCTAssertEqual(dead.count, 1)
        XCTAssertEqual(dead.first?.cause, .permanentFailure)
        XCTAssertEqual(dead.first?.attempts, 1)
        XCTAssertEqual(h.stopAll()["coordinator"], 0, coordinator.text)
    }
}
