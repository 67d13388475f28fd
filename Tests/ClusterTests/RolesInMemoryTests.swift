import Foundation
import Imaging
import Preparation
import Screening
import Volumes
import XCTest
@testable import Cluster

/// The roles over the in-memory transport: duplicate deliveries give one result and one
/// reduce item, a missing payload is dead-lettered, a bad study fails with its reason.
final class RolesInMemoryTests: XCTestCase {
    private func loop(_ t: InMemoryTransport, _ queue: QueueName) -> ServeLoop {
        var c = ServeConfiguration(queue: queue, role: "test", processID: "p-\(queue.rawValue)")
        c.reapInterval = nil
        return ServeLoop(transport: t, configuration: c, stop: StopFlag(), logger: TestSupport.logger)
    }

    private func pushBatch(_ t: InMemoryTransport, study: String, batch: Int, of count: Int, id: String,
                           settings: ScreeningSettings = .standard) throws {
        let crop = PixelRect(row: 0, column: 0, rows: 4, columns: 4)
        let slices = [PreparedSlice(sliceIndex: batch, crop: crop, side: 4, pixels: [Float](repeating: 0, count: 16))]
        let key = t.keys.batchPayload(study, attempt: 1, batch: batch)
        try t.putPayload(key, try BatchPayload(studyID: study, settings: settings, studySliceCount: count, slices: slices).encoded(), ttl: 60)
        let d = SliceBatchDescriptor(studyID: study, batchIndex: batch, batchCount: count, sliceIndices: [batch], payloadKey: key)
        try t.push(try MessageCodec(keys: t.keys).encode(Envelope(body: .sliceBatch(d), id: id)), to: .slices, lane: .bulk)
    }

    func testDuplicateBatchDeliveriesGiveOneResultAndOneReduce() throws {
        let t = InMemoryTransport()
        let worker = Worker(compute: .simulated(milliseconds: 0))
        try pushBatch(t, study: "s", batch: 0, of: 2, id: "m0")
        try pushBatch(t, study: "s", batch: 0, of: 2, id: "m0")  // redelivered copy
        try pushBatch(t, study: "s", batch: 1, of: 2, id: "m1")
        try pushBatch(t, study: "s", batch: 1, of: 2, id: "m1")
        let l = loop(t, .slices)
        var outcomes: [ItemOutcome] = []
        while let o = try l.step(worker.handle, timeout: 0) { outcomes.append(o) }
        XCTAssertEqual(outcomes, [.acked, .acked, .acked, .acked])
        XCTAssertEqual(try t.batchResults(studyID: "s", attempt: 1).keys.sorted(), [0, 1])
        XCTAssertEqual(try t.depth(.reduce, lane: .bulk), 1)
        XCTAssertEqual(try t.studyRecord("s")?.state, .reducing)
        let result = try BatchResultPayload.decode(try XCTUnwrap(try t.batchResults(studyID: "s", attempt: 1)[1]), what: "r")
        XCTAssertEqual(result.results.map(\.sliceIndex), [1])
    }

    /// Slices prepared for one model (window, scaling, orientation) must not be scored by
    /// another: the batch is dead-lettered and the study fails with the reason.
    func testABatchPreparedForAnotherModelIsRefused() throws {
        let t = InMemoryTransport()
        var other = ScreeningSettings.standard
        other.windowHighHU = 200
        other.inputSize = 4
        try pushBatch(t, study: "m", batch: 0, of: 1, id: "m0", settings: other)
        var standard = ScreeningSettings.standard
        standard.inputSize = 4
        let classifier = RuleClassifier(settings: standard) { _ in (0.9, [Float](repeating: 1, count: 16)) }
        let outcome = try loop(t, .slices).step(Worker(compute: .classifier(classifier)).handle, timeout: 0)
        guard case .deadLettered? = outcome else { return XCTFail("\(String(describing: outcome))") }
        guard case .failed(let reason)? = try t.studyRecord("m")?.state else { return XCTFail("study not failed") }
        XCTAssertTrue(reason.contains("model-mismatch"), reason)
        XCTAssertTrue(reason.contains("window [-1000.0, 200.0] HU"), reason)
        XCTAssertEqual(try t.batchResults(studyID: "m", attempt: 1), [:])
    }

    func testMissingPayloadIsDeadLettered() throws {
        let t = InMemoryTransport()
        try pushBatch(t, study: "gone", batch: 0, of: 1, id: "m")
        try t.deletePayloads([t.keys.batchPayload("gone", attempt: 1, batch: 0)])
        let outcome = try loop(t, .slices).step(Worker(compute: .simulated(milliseconds: 0)).handle, timeout: 0)
        guard case .deadLettered(let cause, _)? = outcome else { return XCTFail("\(String(describing: outcome))") }
        XCTAssertEqual(cause, .missingPayload)
        XCTAssertEqual(try t.studyRecord("gone")?.state.name, .failed)
    }

    func testBatchesOfAFailedStudyAreSkipped() throws {
        let t = InMemoryTransport()
        try pushBatch(t, study: "f", batch: 0, of: 2, id: "m0")
        try pushBatch(t, study: "f", batch: 1, of: 2, id: "m1")
        try pushBatch(t, study: "ok", batch: 0, of: 1, id: "m2")
        _ = try t.transition(studyID: "f", to: .failed("poison batch"))
        let l = loop(t, .slices), worker = Worker(compute: .simulated(milliseconds: 0))
        var outcomes: [ItemOutcome] = []
        while let o = try l.step(worker.handle, timeout: 0) { outcomes.append(o) }
        XCTAssertEqual(outcomes, [.acked, .acked, .acked])
        XCTAssertEqual(try t.batchResults(studyID: "f", attempt: 1), [:], "no work stored for a failed study")
        XCTAssertFalse(try t.payloadExists(t.keys.batchPayload("f", attempt: 1, batch: 1)), "its payloads are freed")
        XCTAssertEqual(try t.studyRecord("f")?.state, .failed("poison batch"))
        XCTAssertEqual(try t.batchResults(studyID: "ok", attempt: 1).keys.sorted(), [0], "other studies go on")
        XCTAssertEqual(try t.depth(.reduce, lane: .bulk), 1)
    }

    /// A decoder that cannot start (no processes left) says nothing about the study: the
    /// item is retried, not failed; a decoder crash on the study's file fails it at once.
    func testDecoderThatCannotStartIsRetriedAndACrashFails() throws {
        struct Failing: StudyReading {
            let error: VolumeError
            func read(_ sources: [String]) throws -> Volume { throw error }
        }
        for (kind, permanent) in [(VolumeError.Kind.decoderUnavailable, false), (.decoderCrashed, true)] {
            let t = InMemoryTransport()
            let coordinator = Coordinator(pipeline: try Pipeline(software: SoftwareInfo(version: "t")),
                                          reader: Failing(error: VolumeError(kind, "/in/study", "the decoder \(kind)")))
            try t.push(try MessageCodec(keys: t.keys).encode(Envelope(body: .study(StudyDescriptor(studyID: "s", sources: ["/in/study"])))),
                       to: .studies, lane: .bulk)
            let outcome = try loop(t, .studies).step(coordinator.handle, timeout: 0)
            if permanent {
                guard case .deadLettered(.permanentFailure, _)? = outcome else { return XCTFail("\(kind): \(String(describing: outcome))") }
            } else {
                guard case .retried? = outcome else { return XCTFail("\(kind): \(String(describing: outcome))") }
                XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1)
            }
        }
    }

    func testUnreadableStudyFailsWithItsReasonAndNothingElse() throws {
        let t = InMemoryTransport()
        let coordinator = Coordinator(pipeline: try Pipeline(software: SoftwareInfo(version: "t")))
        let codec = MessageCodec(keys: t.keys)
        try t.push(try codec.encode(Envelope(body: .study(StudyDescriptor(studyID: "bad", sources: ["/nonexistent/folder"])))),
                   to: .studies, lane: .bulk)
        let outcome = try loop(t, .studies).step(coordinator.handle, timeout: 0)
        guard case .deadLettered(let cause, let reason)? = outcome else { return XCTFail("\(String(describing: outcome))") }
        XCTAssertEqual(cause, .permanentFailure)
        XCTAssertTrue(reason.contains("/nonexistent/folder"), reason)
        let state = try XCTUnwrap(try t.studyRecord("bad")?.state)
        XCTAssertEqual(state.name, .failed)
        XCTAssertTrue(state.reason.hasPrefix("permanent-failure: "), state.reason)
        XCTAssertEqual(try t.depth(.slices, lane: .bulk), 0)
        XCTAssertEqual(try t.deadLetterCount(), 1)
    }
}
