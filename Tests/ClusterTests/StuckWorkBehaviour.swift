import Foundation
import XCTest
@testable import Cluster

/// Issue 12, item 2: work must not stick to a live process. Part of the behavioural suite
/// (run against both transports).
extension TransportBehaviour {
    /// A worker loop on the studies queue with quick takes and heartbeats and no reaper of its own.
    private func fastConfiguration(_ processID: String) -> ServeConfiguration {
        var config = ServeConfiguration(queue: .studies, role: "worker", processID: processID)
        config.takeTimeout = 0.1
        config.heartbeatInterval = 0.05
        config.reapInterval = nil
        return config
    }

    private func deadLetter(_ t: QueueTransport) throws -> DeadLetter {
        try XCTUnwrap(DeadLetter.decode(try XCTUnwrap(try t.deadLetters(limit: 1).first)))
    }

    /// The attempt counter write fails (NOPERM on HINCRBY, OOM): the item goes back to its
    /// queue each time, then is dead-lettered with the study failed; never left held.
    func failedAttemptCountHandsTheItemBack() throws {
        let base = try make()
        let t = FaultyTransport(base, failing: ["addAttempts": Int.max, "settle": 2])
        try t.transition(studyID: "acl", to: .classifying)
        try t.push(try TestSupport.studyMessage("acl", keys: t.keys), to: .studies, lane: .bulk)
        var config = ServeConfiguration(queue: .studies, role: "worker", processID: "w-noperm")
        config.maxAttempts = 3
        let loop = ServeLoop(transport: t, configuration: config, stop: StopFlag(), logger: log)
        var handled = 0
        var outcomes: [ItemOutcome] = []
        for _ in 0..<3 {
            outcomes.append(try XCTUnwrap(try loop.step({ _, _ in handled += 1 }, timeout: 0)))
            XCTAssertEqual(try t.processingItems(process: "w-noperm", queue: .studies, lane: .bulk), [],
                           "the item never stays in the processing list of a live process")
        }
        XCTAssertEqual(handled, 0)
        guard case .retried(let why) = outcomes[0] else { return XCTFail("first failure must hand the item back: \(outcomes)") }
        XCTAssertTrue(why.contains("study acl") && why.contains("NOPERM"), why)
        XCTAssertEqual(t.failed.filter { $0 == "settle" }.count, 2, "a failing hand-back is tried again")
        guard case .deadLettered(.attemptsExhausted, let reason) = outcomes[2] else { return XCTFail("\(outcomes)") }
        XCTAssertTrue(reason.contains("bookkeeping failed 3 times"), reason)
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 0)
        XCTAssertEqual(try deadLetter(t).studyID, "acl")
        guard case .failed(let state) = try XCTUnwrap(try t.studyRecord("acl")).state else { return XCTFail("study not failed") }
        XCTAssertTrue(state.contains("NOPERM"), state)
    }

    /// The result write fails after the handler ran: the item goes back, not lost or held.
    func failedResultWriteHandsTheItemBack() throws {
        let t = FaultyTransport(try make(), failing: ["acknowledge": 1])
        let m = try TestSupport.studyMessage("oom", keys: t.keys)
        try t.push(m, to: .studies, lane: .bulk)
        let loop = ServeLoop(transport: t, configuration: ServeConfiguration(queue: .studies, role: "c", processID: "c-oom"),
                             stop: StopFlag(), logger: log)
        guard case .retried = try XCTUnwrap(try loop.step({ _, _ in }, timeout: 0)) else { return XCTFail("not handed back") }
        XCTAssertEqual(try t.processingItems(process: "c-oom", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try loop.step({ _, _ in }, timeout: 0), .acked, "the next delivery succeeds")
        XCTAssertEqual(try t.deadLetterCount(), 0)
    }

    /// A handler hangs while its process heartbeats: the reaper takes the item back after the
    /// visibility timeout, each time counting the delivery, and dead-letters it at the limit.
    func hungHolderLosesItsItemAfterTheVisibilityTimeout() throws {
        let t = try make()
        try t.transition(studyID: "hang", to: .classifying)
        try t.push(try TestSupport.studyMessage("hang", keys: t.keys), to: .studies, lane: .bulk)
        var reports: [Reaper.Report] = []
        for round in 0..<3 {
            let pid = "hung\(round)"
            try t.beat(pid, ttl: 60)  // alive all along
            try t.register(ProcessRecord(id: pid, role: "worker"))
            var config = ServeConfiguration(queue: .studies, role: "worker", processID: pid)
            config.visibilityTimeout = 0.2
            let loop = ServeLoop(transport: t, configuration: config, stop: StopFlag(), logger: log)
            let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            var outcome: ItemOutcome?
            Thread.detachNewThread {
                outcome = try? loop.step({ _, _ in entered.signal(); release.wait() }, timeout: 5)
                done.signal()
            }
            XCTAssertEqual(entered.wait(timeout: .now() + 30), .success)
            let reaper = Reaper(transport: t, holder: "reaper", maxAttempts: 3, visibilityTimeout: 0.2, outageGrace: 0, logger: log)
            XCTAssertEqual(try reaper.runOnce()?.items.count, 0, "not before the deadline")
            Thread.sleep(forTimeInterval: 0.4)
            reports.append(try XCTUnwrap(try reaper.runOnce()))
            release.signal()
            XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
            XCTAssertEqual(outcome, .reclaimed, "the late finish finds the item gone")
        }
        XCTAssertEqual(reports.map(\.deadProcesses), [[], [], []])
        XCTAssertEqual(reports.map(\.expired), [1, 1, 1])
        XCTAssertEqual(reports.map { $0.items.map(\.returned) }, [[true], [true], [false]])
        let dead = try deadLetter(t)
        XCTAssertEqual(dead.cause, .attemptsExhausted)
        XCTAssertTrue(dead.reason.contains("visibility timeout"), dead.reason)
        guard case .failed(let reason) = try XCTUnwrap(try t.studyRecord("hang")).state else { return XCTFail("study not failed") }
        XCTAssertTrue(reason.hasPrefix("attempts-exhausted: delivered 3 times"), reason)
    }

    /// A long handler that reports progress keeps its item well past the timeout.
    func progressingHolderKeepsItsItem() throws {
        let t = try make()
        try t.push(try TestSupport.studyMessage("long", keys: t.keys), to: .studies, lane: .bulk)
        let stop = StopFlag()
        var config = fastConfiguration("w-long")
        config.visibilityTimeout = 0.3
        let loop = ServeLoop(transport: t, configuration: config, stop: stop, logger: log)
        let finished = DispatchSemaphore(value: 0), stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? loop.run { _, ctx in
                let end = Date().addingTimeInterval(1.2)  // four timeouts
                while Date() < end { ctx.progress(); Thread.sleep(forTimeInterval: 0.03) }
                finished.signal()
            }
            stopped.signal()
        }
        let reaper = Reaper(transport: try t.companion(), holder: "reaper", visibilityTimeout: 0.3, outageGrace: 0, logger: log)
        var taken = 0
        while finished.wait(timeout: .now() + 0.1) == .timedOut { taken += try reaper.runOnce()?.items.count ?? 0 }
        stop.requestStop()
        XCTAssertEqual(stopped.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(taken, 0, "a healthy long item is not taken away")
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 0)
        XCTAssertEqual(try t.processingItems(process: "w-long", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try t.deadLetterCount(), 0)
        XCTAssertEqual(try t.counter("processed:studies"), 1)
    }

    /// Even the hand-back fails (Redis refuses every write): the loop keeps trying instead of
    /// taking the next item, and on stop exits still registered, so the reaper returns the item.
    func unsettleableItemIsLeftToTheReaper() throws {
        let base = try make()
        let t = FaultyTransport(base, failing: ["addAttempts": Int.max, "settle": Int.max])
        let m = try TestSupport.studyMessage("stuck", keys: t.keys)
        try t.push(m, to: .studies, lane: .bulk)
        try t.push(try TestSupport.studyMessage("next", keys: t.keys), to: .studies, lane: .bulk)
        let stop = StopFlag()
        var config = fastConfiguration("w-stuck")
        config.heartbeatSlack = 0.2
        let loop = ServeLoop(transport: t, configuration: config, stop: stop, logger: log)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? loop.run { _, _ in }
            finished.signal()
        }
        let until = Date().addingTimeInterval(30)
        while t.failed.filter({ $0 == "settle" }).count < 3, Date() < until { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(try base.processingItems(process: "w-stuck", queue: .studies, lane: .bulk), [m])
        XCTAssertEqual(try base.depth(.studies, lane: .bulk), 1, "the next item is not taken meanwhile")
        stop.requestStop()
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(try base.registeredProcesses().map(\.id), ["w-stuck"], "exits registered, for the reaper")
        Thread.sleep(forTimeInterval: 0.4)  // its heartbeat lapses
        let report = try XCTUnwrap(try Reaper(transport: base, holder: "reaper", outageGrace: 0, logger: log).runOnce())
        XCTAssertEqual(report.deadProcesses, ["w-stuck"])
        XCTAssertEqual(report.items.map(\.returned), [true])
        XCTAssertEqual(try base.depth(.studies, lane: .bulk), 2)
    }
}
