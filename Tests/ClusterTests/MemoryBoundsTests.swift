import Foundation
import Screening
import XCTest
@testable import Cluster

/// Issue 12, item 4, over the in-memory transport: admission by bytes, out-of-memory as
/// back-pressure (never an attempt, never a dead letter), pixels freed as soon as used.
final class MemoryBoundsTests: XCTestCase {
    private var dir: URL!
    override func setUpWithError() throws { dir = try StudyFixtures.temporaryFolder("memory") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testAdmissionAdmitsWhatFitsAndAlonePastTheAllowance() {
        var a = Admission(budget: nil)
        // No limit anywhere: the queue's high-water mark alone bounds the work.
        XCTAssertEqual(a.decide(bytes: 1 << 40, usage: MemoryUsage(used: 1 << 40, limit: 0)), .admit)
        // maxmemory 1000 → allowance 700.
        XCTAssertEqual(a.decide(bytes: 300, usage: MemoryUsage(used: 400, limit: 1000)), .admit)
        XCTAssertEqual(a.decide(bytes: 301, usage: MemoryUsage(used: 400, limit: 1000)), .wait(allowance: 700))
        // Larger than the allowance: alone, once used ≤ 25 %.
        XCTAssertEqual(a.decide(bytes: 900, usage: MemoryUsage(used: 251, limit: 1000)), .wait(allowance: 250))
        XCTAssertEqual(a.decide(bytes: 900, usage: MemoryUsage(used: 250, limit: 1000)), .admit)
        // A budget below maxmemory wins; one above it does not.
        a.budget = 500
        XCTAssertEqual(a.decide(bytes: 300, usage: MemoryUsage(used: 100, limit: 1000)), .wait(allowance: 350))
        a.budget = 5000
        XCTAssertEqual(a.decide(bytes: 300, usage: MemoryUsage(used: 400, limit: 1000)), .admit)
        // The estimate counts pixels and maps at 2 bytes each (224² × 2 × 2) plus features.
        XCTAssertEqual(Admission.estimatedBytes(slices: 10, side: 224), 10 * (4 * 224 * 224 + 4096 + 256))
    }

    func testCoordinatorWaitsForRoomBeforeSplitting() throws {
        let t = InMemoryTransport()
        let roles = try StudyFixtures.Roles(transport: t, outputRoot: dir.appendingPathComponent("out"))
        let series = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("CT"), slices: 10, brightness: 100)
        let found = try XCTUnwrap(try StudyDiscovery.find([series.path], recursive: false).first)
        _ = try Submission(transport: t).submit(found)
        // Ten 224² slices need ~2 MB; Redis "holds" 1.5 MB of a 3 MB limit (allowance 2.1 MB).
        t.memoryLimit = 3_000_000
        try t.putPayload(t.keys.payloadPrefix + "other-study", [UInt8](repeating: 1, count: 1_500_000), ttl: 600)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread { _ = try? roles.drain([.studies]); finished.signal() }
        XCTAssertEqual(finished.wait(timeout: .now() + 1.5), .timedOut, "the coordinator must wait for room")
        XCTAssertEqual(try t.depth(.slices, lane: .bulk), 0)
        XCTAssertEqual(try t.studyRecord(found.studyID)?.state, .ingesting)
        try t.deletePayloads([t.keys.payloadPrefix + "other-study"])  // the other study finished
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(try t.depth(.slices, lane: .bulk), 2)  // 8 lung slices in batches of 4
        XCTAssertEqual(try t.studyRecord(found.studyID)?.state, .classifying)
        // Workers free each batch's pixels as they store its result.
        try roles.drain([.slices])
        for n in 0..<2 { XCTAssertFalse(try t.payloadExists(t.keys.batchPayload(found.studyID, attempt: 1, batch: n))) }
        XCTAssertEqual(try t.batchResults(studyID: found.studyID, attempt: 1).count, 2)
    }

    func testOutOfMemoryHandsTheItemBackWithoutUsingAnAttempt() throws {
        let t = InMemoryTransport()
        try t.transition(studyID: "s", to: .ingesting)
        try t.push(try TestSupport.studyMessage("s", keys: t.keys), to: .studies, lane: .bulk)
        var c = ServeConfiguration(queue: .studies, role: "test", processID: "p")
        c.reapInterval = nil
        c.maxAttempts = 2
        let loop = ServeLoop(transport: t, configuration: c, stop: StopFlag(), logger: TestSupport.logger)
        let full = ClusterError(.outOfMemory, "Redis x: OOM command not allowed when used memory > 'maxmemory'.")
        // Twice the attempt limit of refusals: still no dead letter, the item at the head of its queue.
        for _ in 0..<4 {
            XCTAssertEqual(try loop.step({ _, _ in throw full }, timeout: 0), .handedBack)
            XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
        }
        XCTAssertEqual(try t.deadLetterCount(), 0)
        XCTAssertEqual(try t.studyRecord("s")?.state, .ingesting)
        // Redis drained: the next delivery is handled, as attempt 1.
        var attempt = 0
        XCTAssertEqual(try loop.step({ _, ctx in attempt = ctx.attempt }, timeout: 0), .acked)
        XCTAssertEqual(attempt, 1)
    }

    func testSubmitWaitsWhileFullThenSaysRedisStayedFull() throws {
        let t = InMemoryTransport()
        let series = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("CT"), slices: 6, brightness: 100)
        let found = try XCTUnwrap(try StudyDiscovery.find([series.path], recursive: false).first)
        try t.putPayload(t.keys.payloadPrefix + "big", [UInt8](repeating: 1, count: 2000), ttl: 600)
        t.memoryLimit = 1000
        var submission = Submission(transport: t)
        submission.outOfMemoryWait = 0.5
        XCTAssertThrowsError(try submission.submit(found)) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .outOfMemory)
            XCTAssertTrue("\(error)".contains(found.label) && "\(error)".contains("stayed over maxmemory"), "\(error)")
        }
        XCTAssertNil(try t.studyRecord(found.studyID), "nothing is claimed while Redis is full")
        // It drains while a submission waits: the submission goes through.
        submission.outOfMemoryWait = 30
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { try? t.deletePayloads([t.keys.payloadPrefix + "big"]) }
        XCTAssertEqual(try submission.submit(found), .submitted(attempt: 1))
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
    }
}
