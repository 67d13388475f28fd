import Foundation
import Logging
import XCTest
@testable import Cluster

/// The behavioural suite every transport must pass. `InMemoryTransportTests` and
/// `RedisTransportTests` run each case against their transport.
struct TransportBehaviour {
    let make: () throws -> QueueTransport
    let log = TestSupport.logger

    func decoded(_ d: Delivery?, _ keys: Keys) throws -> Envelope {
        let d = try XCTUnwrap(d)
        return try MessageCodec(keys: keys).decode(d.raw)
    }

    /// Dead-lettering and failing the study are one step (issue 12, item 6).
    func deadLetterAndStudyFailureAreOneStep() throws {
        let t = try make()
        try t.transition(studyID: "s", to: .classifying)
        try t.push(try TestSupport.studyMessage("s", keys: t.keys), to: .studies, lane: .bulk)
        let d = try XCTUnwrap(try t.take(from: .studies, process: "p", timeout: 0, stop: nil))
        try t.addAttempts("m", 2)
        // The attempt's context and results go with the failure: nothing will read them.
        try t.putPayload(t.keys.contextPayload("s", attempt: 1), [1], ttl: 60)
        _ = try t.writeBatchResult(studyID: "s", attempt: 1, batch: 0, batchCount: 2, result: [2],
                                   payloadKey: t.keys.batchPayload("s", attempt: 1, batch: 0), reduceMessage: [3], lane: .bulk, ttl: 60)
        XCTAssertTrue(try t.hasBatchResult(studyID: "s", attempt: 1, batch: 0))
        let failing = StudyFailure(studyID: "s", attempt: 1, reason: "permanent-failure: broken",
                                   freeing: [t.keys.contextPayload("s", attempt: 1), t.keys.results("s", attempt: 1)])
        XCTAssertTrue(try t.deadLetterAndFail(d, record: Array("r".utf8), messageID: "m", failing: failing))
        XCTAssertEqual(try t.studyRecord("s")?.state, .failed("permanent-failure: broken"))
        XCTAssertFalse(try t.payloadExists(t.keys.contextPayload("s", attempt: 1)))
        XCTAssertEqual(try t.batchResults(studyID: "s", attempt: 1), [:])
        // A batch finishing late (a duplicate) stores nothing for a failed study.
        let late = try t.writeBatchResult(studyID: "s", attempt: 1, batch: 1, batchCount: 2, result: [4],
                                          payloadKey: t.keys.batchPayload("s", attempt: 1, batch: 1), reduceMessage: [3], lane: .bulk, ttl: 60)
        XCTAssertTrue(late.stale)
        XCTAssertEqual(try t.batchResults(studyID: "s", attempt: 1), [:])
        XCTAssertEqual(try t.deadLetters(limit: 5), [Array("r".utf8)])
        XCTAssertEqual(try t.addAttempts("m", 0), 0, "the dead letter's attempt count is forgotten")
        XCTAssertEqual(try t.processingItems(process: "p", queue: .studies, lane: .bulk), [])
        // No longer held: nothing changes, the study of another attempt is not failed.
        try t.transition(studyID: "t", to: .classifying)
        XCTAssertFalse(try t.deadLetterAndFail(d, record: [1], messageID: nil,
                                               failing: StudyFailure(studyID: "t", attempt: nil, reason: "x")))
        XCTAssertEqual(try t.studyRecord("t")?.state, .classifying)
        XCTAssertEqual(try t.deadLetterCount(), 1)
    }

    func pushTakeAck() throws {
        let t = try make()
        let msgs = try (0..<3).map { try TestSupport.studyMessage("s\($0)", keys: t.keys) }
        for m in msgs { try t.push(m, to: .studies, lane: .bulk) }
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 3)
        let first = try XCTUnwrap(try t.take(from: .studies, process: "p1", timeout: 0, stop: nil))
        XCTAssertEqual(first.raw, msgs[0], "FIFO: the first pushed is the first taken")
        XCTAssertEqual(first.lane, .bulk)
        XCTAssertEqual(try t.processingItems(process: "p1", queue: .studies, lane: .bulk), [msgs[0]])
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 2)
        XCTAssertTrue(try t.settle(first, .ack))
        XCTAssertEqual(try t.processingItems(process: "p1", queue: .studies, lane: .bulk), [])
        XCTAssertFalse(try t.settle(first, .ack), "a second ack finds nothing")
        XCTAssertEqual(try t.take(from: .studies, process: "p1", timeout: 0, stop: nil)?.raw, msgs[1])
        XCTAssertEqual(try t.take(from: .studies, process: "p1", timeout: 0, stop: nil)?.raw, msgs[2])
        XCTAssertNil(try t.take(from: .studies, process: "p1", timeout: 0, stop: nil))
        XCTAssertNil(try t.take(from: .studies, process: "p1", timeout: 0.05, stop: nil))
    }

    func urgentBeforeBulk() throws {
        let t = try make()
        let a = try TestSupport.studyMessage("a", keys: t.keys)
        let b = try TestSupport.studyMessage("b", keys: t.keys)
        let u = try TestSupport.studyMessage("u", keys: t.keys, lane: .urgent)
        try t.push(a, to: .studies, lane: .bulk)
        try t.push(b, to: .studies, lane: .bulk)
        try t.push(u, to: .studies, lane: .urgent)
        let order = try (0..<3).map { _ in try XCTUnwrap(try t.take(from: .studies, process: "p", timeout: 0, stop: nil)) }
        XCTAssertEqual(order.map(\.raw), [u, a, b])
        XCTAssertEqual(order.map(\.lane), [.urgent, .bulk, .bulk])
        XCTAssertEqual(try t.processingItems(process: "p", queue: .studies, lane: .urgent), [u])
    }

    func blockingTakeReceivesLaterPush() throws {
        let t = try make()
        let other = try t.companion()
        let m = try TestSupport.studyMessage("late", keys: t.keys, lane: .urgent)
        let pushed = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            Thread.sleep(forTimeInterval: 0.1)
            try? other.push(m, to: .studies, lane: .urgent)
            pushed.signal()
        }
        let d = try t.take(from: .studies, process: "p", timeout: 30, stop: nil)
        pushed.wait()
        XCTAssertEqual(d?.raw, m)
    }

    func handBackAndRetryPositions() throws {
        let t = try make()
        let a = try TestSupport.studyMessage("a", keys: t.keys)
        let b = try TestSupport.studyMessage("b", keys: t.keys)
        let c = try TestSupport.studyMessage("c", keys: t.keys)
        for m in [a, b, c] { try t.push(m, to: .studies, lane: .bulk) }
        let da = try XCTUnwrap(try t.take(from: .studies, process: "p", timeout: 0, stop: nil))
        XCTAssertTrue(try t.settle(da, .retry))  // a goes behind c
        let db = try XCTUnwrap(try t.take(from: .studies, process: "p", timeout: 0, stop: nil))
        XCTAssertEqual(db.raw, b)
        XCTAssertTrue(try t.settle(db, .handBack))  // b is next again
        let order = try (0..<3).map { _ in try t.take(from: .studies, process: "p", timeout: 0, stop: nil)?.raw }
        XCTAssertEqual(order, [b, c, a])
    }

    func payloadsAreBinarySafeWithTTL() throws {
        let t = try make()
        let key = t.keys.batchPayload("s1", attempt: 1, batch: 0)
        let bytes = (0..<1024).map { UInt8($0 % 256) }  // includes NUL and non-UTF-8
        try t.putPayload(key, bytes, ttl: 60)
        XCTAssertEqual(try t.payload(key), bytes)
        XCTAssertTrue(try t.payloadExists(key))
        try t.putPayload(t.keys.contextPayload("s1", attempt: 1), [0, 0, 1], ttl: 0.05)
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertNil(try t.payload(t.keys.contextPayload("s1", attempt: 1)), "expired after its TTL")
        try t.deletePayloads([key])
        XCTAssertFalse(try t.payloadExists(key))
    }

    func reaperReturnsItemsOfDeadProcess() throws {
        let t = try make()
        let msgs = try (0..<3).map { try TestSupport.studyMessage("r\($0)", keys: t.keys) }
        for m in msgs { try t.push(m, to: .studies, lane: .bulk) }
        // "dead" takes two items; its heartbeat expires. "alive" holds one and keeps beating.
        try t.beat("dead", ttl: 0.05)
        try t.register(ProcessRecord(id: "dead", role: "coordinator"))
        try t.beat("alive", ttl: 60)
        try t.register(ProcessRecord(id: "alive", role: "coordinator"))
        let d0 = try XCTUnwrap(try t.take(from: .studies, process: "dead", timeout: 0, stop: nil))
        let d1 = try XCTUnwrap(try t.take(from: .studies, process: "dead", timeout: 0, stop: nil))
        _ = try t.addAttempts(try decoded(d0, t.keys).id, 1)
        _ = try t.take(from: .studies, process: "alive", timeout: 0, stop: nil)
        Thread.sleep(forTimeInterval: 0.2)
        let report = try XCTUnwrap(try Reaper(transport: t, holder: "alive", outageGrace: 0, logger: log).runOnce())
        XCTAssertEqual(report.deadProcesses, ["dead"])
        XCTAssertEqual(report.items.map(\.messageID), [try decoded(d1, t.keys).id, try decoded(d0, t.keys).id])
        XCTAssertEqual(report.items.map(\.fromProcess), ["dead", "dead"])
        XCTAssertEqual(report.items.map(\.returned), [true, true])
        XCTAssertEqual(report.items.map(\.attempts), [0, 1])
        XCTAssertEqual(try t.processingItems(process: "dead", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try t.processingItems(process: "alive", queue: .studies, lane: .bulk), [msgs[2]])
        XCTAssertEqual(try t.registeredProcesses().map(\.id), ["alive"])
        // Returned to the head, in their original order.
        XCTAssertEqual(try t.take(from: .studies, process: "alive", timeout: 0, stop: nil)?.raw, msgs[0])
        XCTAssertEqual(try t.take(from: .studies, process: "alive", timeout: 0, stop: nil)?.raw, msgs[1])
        // The lock: a second holder is refused while the first holds it.
        XCTAssertTrue(try t.acquireLock(t.keys.reaperLock, holder: "a", ttl: 60))
        XCTAssertNil(try Reaper(transport: t, holder: "b", outageGrace: 0, logger: log).runOnce())
        try t.releaseLock(t.keys.reaperLock, holder: "a")
        XCTAssertNotNil(try Reaper(transport: t, holder: "b", outageGrace: 0, logger: log).runOnce())
    }

    func poisonItemDeadLetteredAfterRepeatedDeaths() throws {
        let t = try make()
        let m = try TestSupport.studyMessage("poison", keys: t.keys)
        try t.push(m, to: .studies, lane: .bulk)
        try t.transition(studyID: "poison", to: .queued)
        var reports: [Reaper.Report] = []
        for round in 0..<3 {
            let pid = "victim\(round)"
            try t.beat(pid, ttl: 0.05)
            try t.register(ProcessRecord(id: pid, role: "worker"))
            // The worker takes the item (counting the attempt, as the serve loop does) and dies.
            let d = try XCTUnwrap(try t.take(from: .studies, process: pid, timeout: 0, stop: nil))
            _ = try t.addAttempts(try decoded(d, t.keys).id, 1)
            Thread.sleep(forTimeInterval: 0.15)
            reports.append(try XCTUnwrap(try Reaper(transport: t, holder: "reaper", maxAttempts: 3, outageGrace: 0, logger: log).runOnce()))
        }
        XCTAssertEqual(reports.map { $0.items.map(\.returned) }, [[true], [true], [false]])
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 0)
        let dead = try XCTUnwrap(DeadLetter.decode(try XCTUnwrap(try t.deadLetters(limit: 10).first)))
        XCTAssertEqual(dead.cause, .attemptsExhausted)
        XCTAssertEqual(dead.studyID, "poison")
        XCTAssertEqual(dead.attempts, 3)
        guard case .failed(let reason) = try XCTUnwrap(try t.studyRecord("poison")).state else { return XCTFail("not failed") }
        XCTAssertTrue(reason.hasPrefix("attempts-exhausted"), reason)
    }

    func handlerErrorsRetryThenDeadLetter() throws {
        let t = try make()
        try t.transition(studyID: "flaky", to: .queued)
        try t.push(try TestSupport.studyMessage("flaky", keys: t.keys), to: .studies, lane: .bulk)
        var config = ServeConfiguration(queue: .studies, role: "coordinator", processID: "c1")
        config.maxAttempts = 3
        let loop = ServeLoop(transport: t, configuration: config, stop: StopFlag(), logger: log)
        struct Boom: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        var outcomes: [ItemOutcome] = []
        while let o = try loop.step({ _, _ in throw Boom() }, timeout: 0) { outcomes.append(o) }
        XCTAssertEqual(outcomes.count, 3)
        XCTAssertEqual(outcomes[0], .retried("disk on fire"))
        XCTAssertEqual(outcomes[2], .deadLettered(.attemptsExhausted, "failed 3 times; last error: disk on fire"))
        let record = try XCTUnwrap(try t.studyRecord("flaky"))
        XCTAssertEqual(record.state, .failed("attempts-exhausted: failed 3 times; last error: disk on fire"))
        XCTAssertEqual(try t.studies(in: .failed), ["flaky"])
        XCTAssertEqual(try t.studies(in: .queued), [])
        XCTAssertEqual(try t.deadLetterCount(), 1)
        // A permanent failure is dead-lettered at once.
        try t.push(try TestSupport.studyMessage("notct", keys: t.keys), to: .studies, lane: .bulk)
        XCTAssertEqual(try loop.step({ _, _ in throw HandlerError.permanent("modality MR is not CT") }, timeout: 0),
                       .deadLettered(.permanentFailure, "modality MR is not CT"))
    }

    func malformedMessagesAreDeadLetteredAndServingGoesOn() throws {
        let t = try make()
        let keys = t.keys
        func raw(_ s: String) -> [UInt8] { Array(s.utf8) }
        let goodBatch = SliceBatchDescriptor(studyID: "good", batchIndex: 0, batchCount: 1, sliceIndices: [0, 1],
                                             payloadKey: keys.batchPayload("good", attempt: 1, batch: 0))
        try t.putPayload(goodBatch.payloadKey, [1, 2, 3], ttl: 60)
        var badIndex = goodBatch
        badIndex.studyID = "badidx"
        badIndex.batchIndex = 5
        var missing = goodBatch
        missing.studyID = "nopayload"
        missing.payloadKey = keys.batchPayload("nopayload", attempt: 1, batch: 0)
        var outside = goodBatch
        outside.studyID = "outside"
        outside.payloadKey = "\(keys.prefix):processes"
        let cases: [([UInt8], DeadLetter.Cause)] = [
            (raw("{not json"), .badJSON),
            ([0xff, 0xfe, 0x00, 0x01], .badJSON),
            (raw("[1,2,3]"), .badJSON),
            (raw(#"{"v":1,"id":"x","kind":"slice-batch","lane":"bulk","created":0,"body":{}}"#), .unknownVersion),
            (raw(#"{"id":"x","kind":"slice-batch","lane":"bulk","created":0,"body":{}}"#), .unknownVersion),
            (raw(#"{"v":2,"id":"x","kind":"slice-batch","lane":"bulk","created":0,"body":{"study_id":"s"}}"#), .badJSON),
            (raw(#"{"v":2,"id":"x","kind":"teleport","lane":"bulk","created":0,"body":{}}"#), .badJSON),
            (Array(repeating: UInt8(ascii: " "), count: 2048) + raw("{}"), .oversized),
            (try TestSupport.studyMessage("wrongkind", keys: keys), .wrongKind),
            (try TestSupport.message(.sliceBatch(badIndex), keys: keys), .invalidField),
            (try TestSupport.message(.sliceBatch(outside), keys: keys), .invalidField),
            (try TestSupport.message(.sliceBatch(missing), keys: keys), .missingPayload),
        ]
        for (m, _) in cases { try t.push(m, to: .slices, lane: .bulk) }
        try t.push(try TestSupport.message(.sliceBatch(goodBatch), keys: keys), to: .slices, lane: .bulk)
        try t.transition(studyID: "nopayload", to: .classifying)

        var config = ServeConfiguration(queue: .slices, role: "worker", processID: "w1")
        config.maxMessageBytes = 1024
        let loop = ServeLoop(transport: t, configuration: config, stop: StopFlag(), logger: log)
        var handled: [String] = []
        var outcomes: [ItemOutcome] = []
        while let o = try loop.step({ env, _ in handled.append(env.studyID) }, timeout: 0) { outcomes.append(o) }
        XCTAssertEqual(handled, ["good"], "the good message after the hostile ones is still served")
        XCTAssertEqual(outcomes.count, cases.count + 1)
        let causes = outcomes.prefix(cases.count).map { o -> DeadLetter.Cause? in
            if case .deadLettered(let c, _) = o { return c } else { return nil }
        }
        XCTAssertEqual(causes, cases.map(\.1))
        let letters = try t.deadLetters(limit: 100).reversed().compactMap(DeadLetter.decode)
        XCTAssertEqual(letters.map(\.cause), cases.map(\.1))
        XCTAssertTrue(letters.allSatisfy { !$0.reason.isEmpty && $0.queue == .slices && $0.process == "w1" })
        XCTAssertEqual(letters[3].reason, "protocol version 1 is not supported (this build speaks 2)")
        XCTAssertEqual(letters[5].reason, "missing field 'body.attempt'")
        XCTAssertEqual(letters[7].reason, "message of 2050 bytes exceeds the limit of 1024 bytes")
        XCTAssertEqual(letters[1].encoding, "base64")
        XCTAssertTrue(letters[11].reason.contains(missing.payloadKey), letters[11].reason)
        guard case .failed(let why) = try XCTUnwrap(try t.studyRecord("nopayload")).state else { return XCTFail("not failed") }
        XCTAssertTrue(why.hasPrefix("missing-payload"), why)
        XCTAssertEqual(try t.processingItems(process: "w1", queue: .slices, lane: .bulk), [])
    }

    func reduceIsEnqueuedExactlyOnce() throws {
        let t = try make()
        let reduceMsg = try TestSupport.message(.reduce(ReduceDescriptor(studyID: "s", batchCount: 4, sliceCount: 40)), keys: t.keys)
        // Every batch result written by 4 threads (duplicated deliveries), concurrently.
        let group = DispatchGroup()
        let lock = NSLock()
        var stored = 0
        var enqueued = 0
        var failures: [Error] = []
        for w in 0..<4 {
            let tw = try t.companion()
            DispatchQueue.global().async(group: group) {
                for b in [0, 1, 2, 3].shuffled() {
                    do {
                        let o = try tw.writeBatchResult(studyID: "s", attempt: 1, batch: b, batchCount: 4, result: [UInt8(b), UInt8(w)],
                                                        payloadKey: "\(t.keys.payloadPrefix)none", reduceMessage: reduceMsg, lane: .bulk, ttl: 60)
                        lock.lock(); stored += o.stored ? 1 : 0; enqueued += o.reduceEnqueued ? 1 : 0; lock.unlock()
                    } catch { lock.lock(); failures.append(error); lock.unlock() }
                }
            }
        }
        group.wait()
        XCTAssertTrue(failures.isEmpty, "\(failures)")
        XCTAssertEqual(stored, 4, "one stored result per batch")
        XCTAssertEqual(enqueued, 1, "exactly one reduce enqueue")
        XCTAssertEqual(try t.depth(.reduce, lane: .bulk), 1)
        let results = try t.batchResults(studyID: "s", attempt: 1)
        XCTAssertEqual(results.keys.sorted(), [0, 1, 2, 3])
        XCTAssertEqual(results.map { $0.value[0] }.sorted(), [0, 1, 2, 3])
        // A late duplicate changes nothing.
        let late = try t.writeBatchResult(studyID: "s", attempt: 1, batch: 2, batchCount: 4, result: [9], payloadKey: "\(t.keys.payloadPrefix)none", reduceMessage: reduceMsg, lane: .bulk, ttl: 60)
        XCTAssertEqual(late, BatchResultOutcome(stored: false, reduceEnqueued: false))
        XCTAssertEqual(try t.depth(.reduce, lane: .bulk), 1)
        try t.deleteResults(studyID: "s", attempt: 1)
        XCTAssertEqual(try t.batchResults(studyID: "s", attempt: 1).count, 0)
        // Urgent studies reduce on the urgent lane.
        let u = try t.writeBatchResult(studyID: "u", attempt: 1, batch: 0, batchCount: 1, result: [1], payloadKey: "\(t.keys.payloadPrefix)none", reduceMessage: reduceMsg, lane: .urgent, ttl: 60)
        XCTAssertEqual(u, BatchResultOutcome(stored: true, reduceEnqueued: true))
        XCTAssertEqual(try t.depth(.reduce, lane: .urgent), 1)
    }

    func studyStateMachine() throws {
        let t = try make()
        XCTAssertNil(try t.studyRecord("s"))
        XCTAssertEqual(try t.transition(studyID: "s", to: .queued), .queued)
        XCTAssertEqual(try t.transition(studyID: "s", to: .ingesting), .ingesting)
        XCTAssertEqual(try t.transition(studyID: "s", to: .ingesting), .ingesting, "repeating a state is allowed")
        XCTAssertEqual(try t.transition(studyID: "s", to: .classifying), .classifying)
        XCTAssertEqual(try t.transition(studyID: "s", to: .queued), .classifying, "no step backwards")
        XCTAssertEqual(try t.transition(studyID: "s", to: .reducing), .reducing)
        XCTAssertEqual(try t.transition(studyID: "s", to: .done), .done)
        XCTAssertEqual(try t.transition(studyID: "s", to: .failed("late")), .done, "done is final")
        XCTAssertEqual(try t.studies(in: .done), ["s"])
        XCTAssertEqual(try t.transition(studyID: "f", to: .ingesting), .ingesting)
        XCTAssertEqual(try t.transition(studyID: "f", to: .failed("fewer than 10 slices")), .failed("fewer than 10 slices"))
        XCTAssertEqual(try t.transition(studyID: "f", to: .failed("other")), .failed("fewer than 10 slices"), "first reason kept")
        XCTAssertEqual(try t.transition(studyID: "f", to: .queued), .failed("fewer than 10 slices"), "no transition leaves failed")
        XCTAssertEqual(try t.studies(in: .failed), ["f"])
        XCTAssertEqual(try t.studyRecord("f")?.attempt, 1, "a record made without a claim is attempt 1")
    }

    private func claim(_ t: QueueTransport, _ id: String, identity: String = "dicom:1.2|1.2.3", attempt: Int = 1,
                       token: String = UUID().uuidString, newAttempt: Bool = false) throws -> StudyClaimOutcome {
        let message = try TestSupport.message(.study(StudyDescriptor(studyID: id, attempt: attempt, label: "CT", sources: ["/d/CT"])),
                                              keys: t.keys)
        return try t.claimStudy(StudyClaim(studyID: id, identity: identity, label: "CT", attempt: attempt, token: token),
                                message: message, lane: .bulk, newAttempt: newAttempt)
    }

    /// Submitting a known series changes nothing; another series under a taken id is refused;
    /// only an explicit new attempt starts the study again, and the old attempt's late work
    /// (results, transitions) is dropped.
    func claimsAreIdempotentAndNeverMerge() throws {
        let t = try make()
        XCTAssertEqual(try claim(t, "dcm-a", token: "m1"), .claimed(attempt: 1))
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
        XCTAssertEqual(try claim(t, "dcm-a", token: "m1"), .claimed(attempt: 1), "a repeated claim (lost reply) is recognised")
        guard case .exists(let known)? = try? claim(t, "dcm-a") else { return XCTFail("a second submission must find the study") }
        XCTAssertEqual(known.state, .queued)
        XCTAssertEqual(known.attempt, 1)
        XCTAssertEqual(known.label, "CT")
        XCTAssertEqual(known.identity, "dicom:1.2|1.2.3")
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1, "nothing enqueued twice")
        XCTAssertEqual(try claim(t, "dcm-a", identity: "dicom:9.9|9.9.9"), .clash(existingIdentity: "dicom:1.2|1.2.3"))
        XCTAssertEqual(try claim(t, "dcm-a", identity: "dicom:9.9|9.9.9", attempt: 2, newAttempt: true),
                       .clash(existingIdentity: "dicom:1.2|1.2.3"), "a new attempt never takes over another series")

        // Attempt 1 runs to done; a resubmission leaves it done.
        for s in [StudyState.ingesting, .classifying, .reducing, .done] { try t.transition(studyID: "dcm-a", to: s, attempt: 1) }
        guard case .exists(let done)? = try? claim(t, "dcm-a") else { return XCTFail("done study must be reported") }
        XCTAssertEqual(done.state, .done)
        XCTAssertEqual(try t.studies(in: .done), ["dcm-a"])

        // A new attempt: queued again, attempt 2, its message pushed; a stale claim is told so.
        XCTAssertEqual(try claim(t, "dcm-a", attempt: 3, newAttempt: true), .attemptChanged)
        XCTAssertEqual(try claim(t, "dcm-a", attempt: 2, newAttempt: true), .claimed(attempt: 2))
        XCTAssertEqual(try t.studyRecord("dcm-a")?.attempt, 2)
        XCTAssertEqual(try t.studyRecord("dcm-a")?.state, .queued)
        XCTAssertEqual(try t.studies(in: .done), [])
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 2)
        // Attempt 1's late work moves nothing and stores nothing.
        XCTAssertEqual(try t.transition(studyID: "dcm-a", to: .failed("late"), attempt: 1), .queued)
        // Either way the batch's pixels are freed by the same step.
        let oldPixels = t.keys.batchPayload("dcm-a", attempt: 1, batch: 0), newPixels = t.keys.batchPayload("dcm-a", attempt: 2, batch: 0)
        try t.putPayload(oldPixels, [7], ttl: 60)
        try t.putPayload(newPixels, [8], ttl: 60)
        let late = try t.writeBatchResult(studyID: "dcm-a", attempt: 1, batch: 0, batchCount: 1, result: [1],
                                          payloadKey: oldPixels, reduceMessage: [1], lane: .bulk, ttl: 60)
        XCTAssertEqual(late, BatchResultOutcome(stored: false, reduceEnqueued: false, stale: true))
        XCTAssertFalse(try t.payloadExists(oldPixels))
        XCTAssertTrue(try t.payloadExists(newPixels))
        XCTAssertFalse(try t.hasBatchResult(studyID: "dcm-a", attempt: 1, batch: 0))
        XCTAssertEqual(try t.batchResults(studyID: "dcm-a", attempt: 1), [:])
        XCTAssertEqual(try t.depth(.reduce, lane: .bulk), 0)
        // Attempt 2's result completes it and enqueues its reduce item once (marker was cleared).
        let fresh = try t.writeBatchResult(studyID: "dcm-a", attempt: 2, batch: 0, batchCount: 1, result: [2],
                                           payloadKey: newPixels, reduceMessage: [2], lane: .bulk, ttl: 60)
        XCTAssertEqual(fresh, BatchResultOutcome(stored: true, reduceEnqueued: true))
        XCTAssertFalse(try t.payloadExists(newPixels))
        XCTAssertTrue(try t.hasBatchResult(studyID: "dcm-a", attempt: 2, batch: 0))
        XCTAssertEqual(try t.batchResults(studyID: "dcm-a", attempt: 2), [0: [2]])
        XCTAssertEqual(try t.transition(studyID: "dcm-a", to: .ingesting, attempt: 2), .ingesting)
        // Once done (the reducer freed the results), a duplicate batch finishing late stores nothing.
        XCTAssertEqual(try t.completeStudy(studyID: "dcm-a", attempt: 2, summaryKey: t.keys.report("dcm-a", attempt: 2), summary: [1],
                                           summaryTTL: 60, deleting: [t.keys.results("dcm-a", attempt: 2)]), .completed)
        let duplicate = try t.writeBatchResult(studyID: "dcm-a", attempt: 2, batch: 0, batchCount: 1, result: [2],
                                               payloadKey: newPixels, reduceMessage: [2], lane: .bulk, ttl: 60)
        XCTAssertTrue(duplicate.stale)
        XCTAssertEqual(try t.batchResults(studyID: "dcm-a", attempt: 2), [:])
    }

    /// Many submissions of one series at once: exactly one claim wins and one message is queued.
    func racingClaimsHaveOneWinner() throws {
        let t = try make()
        let group = DispatchGroup()
        let lock = NSLock()
        var outcomes: [StudyClaimOutcome] = []
        var failures: [Error] = []
        for _ in 0..<6 {
            let tw = try t.companion()
            DispatchQueue.global().async(group: group) {
                do {
                    let o = try self.claim(tw, "dcm-race")
                    lock.lock(); outcomes.append(o); lock.unlock()
                } catch { lock.lock(); failures.append(error); lock.unlock() }
            }
        }
        group.wait()
        XCTAssertTrue(failures.isEmpty, "\(failures)")
        XCTAssertEqual(outcomes.filter { $0 == .claimed(attempt: 1) }.count, 1, "\(outcomes)")
        XCTAssertEqual(outcomes.filter { if case .exists = $0 { return true } else { return false } }.count, 5, "\(outcomes)")
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
        XCTAssertEqual(try t.studies(in: .queued), ["dcm-race"])
    }

    func gracefulStopHandsBackTheItemInHand() throws {
        let t = try make()
        let m = try TestSupport.studyMessage("held", keys: t.keys)
        try t.push(m, to: .studies, lane: .bulk)
        let stop = StopFlag()
        var config = ServeConfiguration(queue: .studies, role: "coordinator", processID: "c-stop")
        config.takeTimeout = 0.1
        config.heartbeatInterval = 0.05
        let loop = ServeLoop(transport: t, configuration: config, stop: stop, logger: log)
        let inHand = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        var runError: Error?
        Thread.detachNewThread {
            do {
                try loop.run { _, ctx in
                    inHand.signal()
                    while !ctx.stop.isSet { Thread.sleep(forTimeInterval: 0.01) }
                    throw HandlerError.handBack
                }
            } catch { runError = error }
            finished.signal()
        }
        XCTAssertEqual(inHand.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(try t.registeredProcesses().map(\.id), ["c-stop"])
        stop.requestStop()
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        XCTAssertNil(runError)
        XCTAssertEqual(try t.processingItems(process: "c-stop", queue: .studies, lane: .bulk), [])
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
        let back = try XCTUnwrap(try t.take(from: .studies, process: "next", timeout: 0, stop: nil))
        XCTAssertEqual(back.raw, m)
        XCTAssertEqual(try t.addAttempts(try decoded(back, t.keys).id, 0), 0, "a hand-back uses no attempt")
        XCTAssertEqual(try t.registeredProcesses().map(\.id), [], "a clean stop deregisters")
        XCTAssertFalse(try t.isAlive("c-stop"))
    }

    func gracefulStopFinishesTheItemInHand() throws {
        let t = try make()
        try t.push(try TestSupport.studyMessage("fin", keys: t.keys), to: .studies, lane: .bulk)
        try t.push(try TestSupport.studyMessage("later", keys: t.keys), to: .studies, lane: .bulk)
        let stop = StopFlag()
        var config = ServeConfiguration(queue: .studies, role: "coordinator", processID: "c-fin")
        config.takeTimeout = 0.1
        let loop = ServeLoop(transport: t, configuration: config, stop: stop, logger: log)
        var handled: [String] = []
        try loop.run { env, ctx in
            ctx.stop.requestStop()  // SIGTERM arrives while the item is in hand
            handled.append(env.studyID)
        }
        XCTAssertEqual(handled, ["fin"])
        XCTAssertEqual(try t.counter("processed:studies"), 1)
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1, "the next item was not taken")
        XCTAssertEqual(try t.processingItems(process: "c-fin", queue: .studies, lane: .bulk), [])
    }

    func slicesCountedAndMetricsRecorded() throws {
        let t = try make()
        let metrics = MetricsRegistry()
        for b in 0..<3 {
            let key = t.keys.batchPayload("m", attempt: 1, batch: b)
            try t.putPayload(key, [1], ttl: 60)
            try t.push(try TestSupport.message(.sliceBatch(SliceBatchDescriptor(studyID: "m", batchIndex: b, batchCount: 3,
                       sliceIndices: Array(0..<(b + 1)), payloadKey: key)), keys: t.keys), to: .slices, lane: .bulk)
        }
        var config = ServeConfiguration(queue: .slices, role: "worker", processID: "w-m")
        config.reapInterval = 0
        let loop = ServeLoop(transport: t, configuration: config, stop: StopFlag(), metrics: metrics, logger: log)
        while try loop.step({ _, _ in }, timeout: 0) != nil {}
        try loop.reapIfDue()
        XCTAssertEqual(try t.counter("slices"), 6)
        XCTAssertEqual(try t.counter("processed:slices"), 3)
        XCTAssertEqual(metrics.value("ctscreen_slices_processed_total"), 6)
        XCTAssertEqual(metrics.value("ctscreen_items_processed_total", labels: ["queue": "slices"]), 3)
        XCTAssertEqual(metrics.value("ctscreen_queue_depth", labels: ["queue": "slices", "lane": "bulk"]), 0)
        XCTAssertTrue(metrics.render().contains("ctscreen_item_duration_seconds_count{queue=\"slices\"} 3\n"))
    }

    func heartbeatKeepsAProcessAliveUntilStopped() throws {
        let t = try make()
        let hb = Heartbeat(transport: try t.companion(), record: ProcessRecord(id: "hb", role: "worker"),
                           interval: 0.05, slack: 0.1, logger: log)
        try hb.start()
        Thread.sleep(forTimeInterval: 0.5)  // several TTLs: only the refreshes keep it alive
        XCTAssertTrue(try t.isAlive("hb"))
        XCTAssertEqual(try t.registeredProcesses().map(\.id), ["hb"])
        hb.stop(deregister: false)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertFalse(try t.isAlive("hb"), "expired once refreshes stopped")
        XCTAssertEqual(try Reaper(transport: t, holder: "r", outageGrace: 0, logger: log).runOnce()?.deadProcesses, ["hb"])
        XCTAssertEqual(try t.registeredProcesses().map(\.id), [])
    }

    /// Issue 12.3: heartbeats expire while Redis is away; right after the reconnect nothing is
    /// reaped; after the outage grace only the process that never heartbeats again is.
    /// `outage` makes the transport's next command run on a fresh connection.
    func reaperWaitsOutAnOutage(outage: (QueueTransport) throws -> Void) throws {
        let t = try make()
        let grace = 1.0
        for id in ["dead", "alive"] {
            try t.register(ProcessRecord(id: id, role: "worker"))
            try t.beat(id, ttl: 0.1)
            try t.push(try TestSupport.studyMessage("o-\(id)", keys: t.keys), to: .studies, lane: .bulk)
            _ = try XCTUnwrap(try t.take(from: .studies, process: id, timeout: 0, stop: nil))
        }
        Thread.sleep(forTimeInterval: 0.3)  // the outage outlasts the heartbeat TTL
        try outage(t)
        XCTAssertFalse(try t.isAlive("alive"), "both heartbeats expired during the outage")
        let first = try XCTUnwrap(try Reaper(transport: t, holder: "r", outageGrace: grace, logger: log).runOnce())
        XCTAssertEqual(first.deadProcesses, [], "right after a reconnect nobody is declared dead")
        XCTAssertEqual(first.items, [])
        XCTAssertTrue(first.awaitingOutageGrace)
        XCTAssertEqual(try t.processingItems(process: "alive", queue: .studies, lane: .bulk).count, 1)
        XCTAssertEqual(try t.processingItems(process: "dead", queue: .studies, lane: .bulk).count, 1)
        XCTAssertEqual(Set(try t.registeredProcesses().map(\.id)), ["alive", "dead"])
        // The live process is back and heartbeats again; the dead one never does.
        try t.beat("alive", ttl: 60)
        Thread.sleep(forTimeInterval: grace + 0.2)
        let second = try XCTUnwrap(try Reaper(transport: t, holder: "r", outageGrace: grace, logger: log).runOnce())
        XCTAssertEqual(second.deadProcesses, ["dead"])
        XCTAssertEqual(second.items.map(\.fromProcess), ["dead"])
        XCTAssertFalse(second.awaitingOutageGrace)
        XCTAssertEqual(try t.processingItems(process: "alive", queue: .studies, lane: .bulk).count, 1)
        XCTAssertEqual(try t.registeredProcesses().map(\.id), ["alive"])
    }
}
