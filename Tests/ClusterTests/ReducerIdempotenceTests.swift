import Foundation
import XCTest
@testable import Cluster

/// Issue 12, item 3: the reducer is idempotent. A redelivered reduce item of a done study is
/// an acked no-op; a reducer that dies between writing the report and marking the study done
/// leaves a redelivery that completes the study. Also: redelivered study and batch messages of
/// a done study neither re-split nor re-classify. On both transports. (On the code before the
/// fix, the redelivered reduce item was dead-lettered as `missing-payload`, and the crash case
/// ended with the study `failed`.)
class ReducerIdempotenceTests: XCTestCase {
    private var dir: URL!
    var out: URL { dir.appendingPathComponent("out") }
    private var series: URL!

    /// The transport under test (a fresh, empty one per call): in-memory here, Redis in the subclass.
    func makeTransport() throws -> QueueTransport { InMemoryTransport(keys: try Keys(prefix: TestSupport.randomPrefix())) }

    override func setUpWithError() throws {
        dir = try StudyFixtures.temporaryFolder("reducer-idempotence")
        series = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("site/CT"), slices: 12, brightness: 120)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    /// Submits the series and runs the roles until every queue is empty.
    private func runToDone(_ roles: StudyFixtures.Roles) throws -> (id: String, outcomes: [QueueName: [ItemOutcome]]) {
        let found = try XCTUnwrap(try StudyDiscovery.find([series.path], recursive: false).first)
        _ = try Submission(transport: roles.transport, outputRoot: out.path).submit(found)
        return (found.studyID, try roles.drain())
    }

    func testRedeliveredReduceOfADoneStudyIsANoOp() throws {
        let roles = try StudyFixtures.Roles(transport: try makeTransport(), outputRoot: out)
        let t = roles.transport
        let (id, outcomes) = try runToDone(roles)
        XCTAssertEqual(try t.studyRecord(id)?.state, .done)
        let summary = try XCTUnwrap(try t.studySummary(id))
        let reduce = ReduceDescriptor(studyID: id, attempt: 1, batchCount: outcomes[.slices]?.count ?? 0, sliceCount: 12,
                                      contextKey: t.keys.contextPayload(id, attempt: 1))
        try t.push(try TestSupport.message(.reduce(reduce), keys: t.keys), to: .reduce, lane: .bulk)
        let again = try roles.drain()
        XCTAssertEqual(again[.reduce], [.acked], "a redelivered reduce item of a done study is acked")
        XCTAssertEqual(try t.deadLetterCount(), 0, "never dead-lettered")
        XCTAssertEqual(try t.studyRecord(id)?.state, .done)
        XCTAssertEqual(try t.studySummary(id), summary, "the summary is kept")
    }

    func testRedeliveredStudyAndBatchOfADoneStudyDoNothing() throws {
        let roles = try StudyFixtures.Roles(transport: try makeTransport(), outputRoot: out)
        let t = roles.transport
        let (id, _) = try runToDone(roles)
        let study = StudyDescriptor(studyID: id, sources: [series.path], outputRoot: out.path)
        try t.push(try TestSupport.message(.study(study), keys: t.keys), to: .studies, lane: .bulk)
        let key = t.keys.batchPayload(id, attempt: 1, batch: 0)
        let batch = SliceBatchDescriptor(studyID: id, attempt: 1, batchIndex: 0, batchCount: 3, sliceIndices: [1, 2, 3, 4],
                                         payloadKey: key)
        try t.push(try TestSupport.message(.sliceBatch(batch), keys: t.keys), to: .slices, lane: .bulk)
        let again = try roles.drain()
        XCTAssertEqual(again[.studies], [.acked])
        XCTAssertEqual(again[.slices], [.acked], "only the redelivered batch: the study was not split again")
        XCTAssertNil(again[.reduce])
        XCTAssertEqual(try t.deadLetterCount(), 0)
        XCTAssertEqual(try t.studyRecord(id)?.state, .done)
        XCTAssertFalse(try t.payloadExists(t.keys.contextPayload(id, attempt: 1)), "nothing written again")
    }

    /// The step that marks the study done fails once, after the report was written (a crash
    /// there): the redelivery redoes it and the study ends done, not failed.
    func testACrashBeforeMarkingDoneIsRedoneByTheRedelivery() throws {
        let faulty = FaultyTransport(try makeTransport(), failing: ["complete": 1, "transition:done": 1])
        let roles = try StudyFixtures.Roles(transport: faulty, outputRoot: out)
        let (id, outcomes) = try runToDone(roles)
        XCTAssertEqual(faulty.failed.count, 1, "the completion failed once")
        XCTAssertEqual(outcomes[.reduce]?.count, 2, "the failed completion, then its redelivery: \(outcomes[.reduce] ?? [])")
        XCTAssertEqual(try faulty.studyRecord(id)?.state, .done)
        XCTAssertEqual(try faulty.deadLetterCount(), 0)
        let summary = try XCTUnwrap(try faulty.studySummary(id))
        XCTAssertTrue(FileManager.default.fileExists(atPath: summary.reportPath))
        XCTAssertEqual(try faulty.batchResults(studyID: id, attempt: 1), [:], "results freed")
        XCTAssertFalse(try faulty.payloadExists(faulty.keys.contextPayload(id, attempt: 1)), "context freed")
    }
}

final class ReducerIdempotenceRedisTests: ReducerIdempotenceTests {
    private var url: RedisURL?

    override func setUpWithError() throws {
        url = try TestSupport.redisURL()
        try TestSupport.flush(url!)
        try super.setUpWithError()
    }

    override func tearDownWithError() throws {
        if let url { try TestSupport.flush(url) }
        try super.tearDownWithError()
    }

    override func makeTransport() throws -> QueueTransport {
        try RedisTransport(url: url!, keys: try Keys(prefix: TestSupport.randomPrefix()), logger: TestSupport.logger)
    }

    // Declared again: XCTest on Linux does not discover inherited test methods.
    override func testRedeliveredReduceOfADoneStudyIsANoOp() throws { try super.testRedeliveredReduceOfADoneStudyIsANoOp() }
    override func testRedeliveredStudyAndBatchOfADoneStudyDoNothing() throws {
        try super.testRedeliveredStudyAndBatchOfADoneStudyDoNothing()
    }
    override func testACrashBeforeMarkingDoneIsRedoneByTheRedelivery() throws {
        try super.testACrashBeforeMarkingDoneIsRedoneByTheRedelivery()
    }
}
