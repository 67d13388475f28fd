import Foundation
import Screening
import XCTest
@testable import Cluster

/// Issue 12, item 1: two sites submit a folder called `CT` holding different series. Each
/// must get its own id, its own report at its own path with its own scores, and its own
/// worklist row, whether submitted one after the other or together; submitting a series
/// again must not re-run or overwrite it; a new attempt must not mix with the old one.
/// (On the code before the fix, the first case overwrote `out/CT/report.json` and left one
/// worklist row, and the second failed both studies.)
final class SameNameStudiesTests: XCTestCase {
    private var dir: URL!
    private var out: URL { dir.appendingPathComponent("out") }
    private var siteA: URL!
    private var siteB: URL!

    override func setUpWithError() throws {
        dir = try StudyFixtures.temporaryFolder("same-name")
        // Different slice counts and brightness: different lung slices, ratios and scores.
        siteA = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("site-a/CT"), slices: 12, brightness: 120)
        siteB = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("site-b/CT"), slices: 14, brightness: 60)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func submit(_ roles: StudyFixtures.Roles, _ folder: URL, newAttempt: Bool = false) throws -> (StudyDiscovery.Found, Submission.Outcome) {
        let found = try XCTUnwrap(try StudyDiscovery.find([folder.path], recursive: false).first)
        let submission = Submission(transport: roles.transport, outputRoot: out.path, newAttempt: newAttempt)
        return (found, try submission.submit(found))
    }

    private func report(_ path: String) throws -> ScreeningReport {
        try JSONDecoder().decode(ScreeningReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The report each series gets when it is the only study in a fresh cluster.
    private func alone(_ folder: URL) throws -> ScreeningReport {
        let roles = try StudyFixtures.Roles(outputRoot: out)
        let (found, _) = try submit(roles, folder)
        try roles.drain()
        let summary = try XCTUnwrap(try roles.transport.studySummary(found.studyID))
        let r = try report(summary.reportPath)
        try FileManager.default.removeItem(at: URL(fileURLWithPath: summary.reportPath).deletingLastPathComponent())
        return r
    }

    private func assertTwoDistinctReports(_ roles: StudyFixtures.Roles, _ a: StudyDiscovery.Found, _ b: StudyDiscovery.Found,
                                          expected: (ScreeningReport, ScreeningReport), file: StaticString = #filePath,
                                          line: UInt = #line) throws {
        XCTAssertNotEqual(a.studyID, b.studyID, "two series, two ids", file: file, line: line)
        let t = roles.transport
        for (found, want) in [(a, expected.0), (b, expected.1)] {
            XCTAssertEqual(try t.studyRecord(found.studyID)?.state, .done, found.studyID, file: file, line: line)
            let summary = try XCTUnwrap(try t.studySummary(found.studyID), file: file, line: line)
            XCTAssertEqual(summary.label, "CT", file: file, line: line)
            XCTAssertEqual(summary.reportPath, out.appendingPathComponent("CT--\(found.studyID)/report.json").path,
                           file: file, line: line)
            let got = try report(summary.reportPath)
            XCTAssertEqual(got.study.studyID, found.studyID, file: file, line: line)
            XCTAssertEqual(got.study.label, "CT", file: file, line: line)
            XCTAssertEqual(got.study.seriesInstanceUID, want.study.seriesInstanceUID, "each report names its own series",
                           file: file, line: line)
            XCTAssertEqual(got.lung.sliceCount, want.lung.sliceCount, file: file, line: line)
            XCTAssertEqual(got.slices, want.slices, "each report has its own slice scores", file: file, line: line)
            XCTAssertEqual(got.positiveRatio, want.positiveRatio, file: file, line: line)
            XCTAssertEqual(got.coronaScore, want.coronaScore, file: file, line: line)
        }
        let rows = try Worklist.build(t).rows
        XCTAssertEqual(rows.map(\.studyID).sorted(), [a.studyID, b.studyID].sorted(), "two worklist rows", file: file, line: line)
        XCTAssertEqual(rows.map(\.label), ["CT", "CT"], file: file, line: line)
        XCTAssertEqual(Set(rows.map(\.reportPath)).count, 2, file: file, line: line)
        XCTAssertTrue(try Worklist.build(t).csv().hasPrefix(Worklist.csvHeader + "\n"), file: file, line: line)
    }

    func testSameFolderNameSubmittedOneAfterTheOther() throws {
        let expected = (try alone(siteA), try alone(siteB))
        XCTAssertNotEqual(expected.0.lung.sliceCount, expected.1.lung.sliceCount, "the fixtures must differ")
        let roles = try StudyFixtures.Roles(outputRoot: out)
        let (a, ra) = try submit(roles, siteA)
        try roles.drain()
        let (b, rb) = try submit(roles, siteB)
        try roles.drain()
        XCTAssertEqual(ra, .submitted(attempt: 1))
        XCTAssertEqual(rb, .submitted(attempt: 1))
        try assertTwoDistinctReports(roles, a, b, expected: expected)
    }

    func testSameFolderNameSubmittedTogether() throws {
        let expected = (try alone(siteA), try alone(siteB))
        let roles = try StudyFixtures.Roles(outputRoot: out)
        let (a, _) = try submit(roles, siteA)
        let (b, _) = try submit(roles, siteB)
        let outcomes = try roles.drain()
        XCTAssertTrue(outcomes.values.joined().allSatisfy { $0 == .acked }, "\(outcomes)")
        try assertTwoDistinctReports(roles, a, b, expected: expected)
        XCTAssertEqual(try roles.transport.deadLetterCount(), 0)
    }

    /// A series submitted again — queued, or done — is reported, not reset, re-run or rewritten.
    func testResubmittingAKnownSeriesChangesNothing() throws {
        let roles = try StudyFixtures.Roles(outputRoot: out)
        let t = roles.transport
        let (a, first) = try submit(roles, siteA)
        XCTAssertEqual(first, .submitted(attempt: 1))
        guard case .exists(let queued) = try submit(roles, siteA).1 else { return XCTFail("queued study resubmitted") }
        XCTAssertEqual(queued.state, .queued)
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 1, "enqueued once")
        try roles.drain()
        let summary = try XCTUnwrap(try t.studySummary(a.studyID))
        let written = try Data(contentsOf: URL(fileURLWithPath: summary.reportPath))
        let stamp = try FileManager.default.attributesOfItem(atPath: summary.reportPath)[.modificationDate] as? Date

        // The same series again, found under another folder name: same id, still done, no work.
        let copy = dir.appendingPathComponent("site-c/chest")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: siteA, to: copy)
        let (again, outcome) = try submit(roles, copy)
        XCTAssertEqual(again.studyID, a.studyID)
        guard case .exists(let done) = outcome else { return XCTFail("done study resubmitted: \(outcome)") }
        XCTAssertEqual(done.state, .done)
        XCTAssertEqual(done.label, "CT", "the record keeps the label it was submitted under")
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 0)
        XCTAssertTrue(try roles.drain().isEmpty, "nothing re-ran")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: summary.reportPath)), written)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: summary.reportPath)[.modificationDate] as? Date, stamp)
        XCTAssertEqual(try t.studySummary(a.studyID), summary)
        XCTAssertEqual(try Worklist.build(t).rows.count, 1)
    }

    /// `--new-attempt` while the first attempt's batches are still queued: the old batches are
    /// dropped, the new attempt reports into its own folder, the results do not mix.
    func testNewAttemptDoesNotMixWithTheOldOne() throws {
        let expected = try alone(siteA)
        let roles = try StudyFixtures.Roles(outputRoot: out)
        let t = roles.transport
        let (a, _) = try submit(roles, siteA)
        // Attempt 1 gets as far as its slice batches.
        var c = ServeConfiguration(queue: .studies, role: "test", processID: "early-coordinator")
        c.reapInterval = nil
        _ = try ServeLoop(transport: t, configuration: c, stop: StopFlag(), logger: TestSupport.logger)
            .step(roles.coordinator.handle, timeout: 0)
        XCTAssertEqual(try t.studyRecord(a.studyID)?.state, .classifying)
        let oldBatches = try t.depth(.slices, lane: .bulk)
        XCTAssertGreaterThan(oldBatches, 1)

        XCTAssertEqual(try submit(roles, siteA, newAttempt: true).1, .submitted(attempt: 2))
        let outcomes = try roles.drain()
        XCTAssertEqual(outcomes[.slices]?.count, 2 * oldBatches, "old batches taken and dropped, new ones classified")
        XCTAssertEqual(outcomes[.reduce]?.count, 1, "one reduce: the new attempt's")
        let record = try XCTUnwrap(try t.studyRecord(a.studyID))
        XCTAssertEqual(record.state, .done)
        XCTAssertEqual(record.attempt, 2)
        let summary = try XCTUnwrap(try t.studySummary(a.studyID))
        XCTAssertEqual(summary.attempt, 2)
        XCTAssertEqual(summary.reportPath, out.appendingPathComponent("CT--\(a.studyID)--a2/report.json").path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("CT--\(a.studyID)").path),
                       "attempt 1 never reported")
        let got = try report(summary.reportPath)
        XCTAssertEqual(got.slices, expected.slices)
        XCTAssertEqual(got.positiveRatio, expected.positiveRatio)
        for attempt in [1, 2] {
            XCTAssertEqual(try t.batchResults(studyID: a.studyID, attempt: attempt), [:], "results of attempt \(attempt) freed")
            XCTAssertFalse(try t.payloadExists(t.keys.contextPayload(a.studyID, attempt: attempt)))
        }
        XCTAssertEqual(try Worklist.build(t).rows.map(\.attempt), [2])
    }
}
