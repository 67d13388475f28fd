import XCTest
@testable import Cluster

final class ClusterStatusTests: XCTestCase {
    func testSnapshotCountsQueuesHoldersAndStates() throws {
        let t = InMemoryTransport(keys: try Keys(prefix: TestSupport.randomPrefix()))
        for i in 0..<3 { try t.push(try TestSupport.studyMessage("s\(i)", keys: t.keys), to: .studies, lane: .bulk) }
        try t.push(try TestSupport.studyMessage("u", keys: t.keys, lane: .urgent), to: .studies, lane: .urgent)
        try t.beat("c1", ttl: 60)
        try t.register(ProcessRecord(id: "c1", role: "coordinator"))
        try t.register(ProcessRecord(id: "gone", role: "worker"))
        _ = try t.take(from: .studies, process: "c1", timeout: 0, stop: nil)  // takes the urgent one
        try t.transition(studyID: "s0", to: .queued)
        try t.transition(studyID: "s1", to: .failed("bad"))
        let s = try ClusterStatus.snapshot(t)
        XCTAssertEqual(s.depths[.studies], [.urgent: 0, .bulk: 3])
        XCTAssertEqual(s.processes.map(\.process.id), ["c1", "gone"])
        XCTAssertEqual(s.processes.map(\.alive), [true, false])
        XCTAssertEqual(s.processes[0].holding[.studies], 1)
        XCTAssertEqual(s.studiesByState[.queued], 1)
        XCTAssertEqual(s.studiesByState[.failed], 1)
        XCTAssertEqual(s.studiesByState[.done], 0)
        XCTAssertEqual(s.deadLetters, 0)
    }

    func testBackpressureWaitsUntilTheQueueDrains() throws {
        let t = InMemoryTransport(keys: try Keys(prefix: TestSupport.randomPrefix()))
        for i in 0..<3 { try t.push(Array("\(i)".utf8), to: .slices, lane: .bulk) }
        XCTAssertTrue(try Backpressure.waitBelow(4, queue: .slices, transport: t, stop: StopFlag()))
        let stop = StopFlag()
        stop.requestStop()
        XCTAssertFalse(try Backpressure.waitBelow(3, queue: .slices, transport: t, stop: stop), "stop ends the wait")
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? t.take(from: .slices, process: "w", timeout: 0, stop: nil)
            drained.signal()
        }
        XCTAssertTrue(try Backpressure.waitBelow(3, queue: .slices, transport: t, stop: StopFlag(), poll: 0.01))
        drained.wait()
        XCTAssertEqual(try t.depth(.slices, lane: .bulk), 2)
    }
}
