import ArgumentParser
import Cluster
import Foundation
import Volumes
import XCTest
@testable import CTScreenCLI

/// `ctscreen submit` against a real Redis (`CTSCREEN_TEST_REDIS_URL`, as Scripts/test sets
/// it): two sites' folders called `CT` become two studies; a series submitted again is left
/// alone; `--new-attempt` starts attempt 2. Also the help and worklist texts.
final class SubmitCommandTests: XCTestCase {
    func testHelpExplainsIDsAndNewAttempt() {
        let help = CTScreen.helpMessage(for: Submit.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for text in ["--new-attempt", "label", "SeriesInstanceUID", "idempotent"] {
            XCTAssertTrue(help.contains(text), "help lacks \(text):\n\(help)")
        }
        XCTAssertTrue(CTScreen.helpMessage(for: ReducerCommand.self).contains("<label>--<study id>"))
        XCTAssertTrue(Worklist.csvHeader.hasPrefix("rank,study_id,label,"))
    }

    /// The test Redis of Scripts/test (or a skip), a fresh key prefix, and a temporary folder
    /// removed after the test.
    private func redisCase() throws -> (url: String, prefix: String, dir: URL) {
        guard let url = ProcessInfo.processInfo.environment["CTSCREEN_TEST_REDIS_URL"], !url.isEmpty else {
            throw XCTSkip("CTSCREEN_TEST_REDIS_URL is not set (Scripts/test sets it): skipping the Redis test")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-submit-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return (url, "t\(UInt32.random(in: 0...UInt32.max))", dir)
    }

    private func writeSeries(_ folder: URL, seed: Int16) throws {
        let size = VolumeSize(columns: 16, rows: 16, slices: 10)
        let volume = Volume(size: size, geometry: Geometry(spacing: [1, 1, 2], origin: [0, 0, 0]),
                            metadata: StudyMetadata(patientID: "P\(seed)"), voxels: [Int16](repeating: seed, count: size.count))
        try DICOMWriter.writeSeries(volume, to: folder)
    }

    func testSameFolderNameTwoStudiesAndResubmissionIsIdempotent() throws {
        let (url, prefix, dir) = try redisCase()
        let a = dir.appendingPathComponent("site-a/CT"), b = dir.appendingPathComponent("site-b/CT")
        try writeSeries(a, seed: 10)
        try writeSeries(b, seed: 20)
        let common = ["--redis-url", url, "--prefix", prefix, "--output-root", dir.appendingPathComponent("out").path]
        let t = try RedisTransport(url: RedisURL(parsing: url), keys: Keys(prefix: prefix))

        try Submit.parse(common + [a.path]).run()
        try Submit.parse(common + [b.path]).run()
        let queued = try t.studies(in: .queued)
        XCTAssertEqual(queued.count, 2, "two series in folders of one name: two studies")
        XCTAssertEqual(try queued.map { try t.studyRecord($0)?.label }, ["CT", "CT"])
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 2)

        // Again, both at once: known, nothing enqueued or reset.
        try Submit.parse(common + [a.path, b.path]).run()
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 2)
        XCTAssertEqual(try t.studies(in: .queued), queued)

        // An explicit new attempt of one of them.
        let idA = try XCTUnwrap(try StudyDiscovery.find([a.path], recursive: false).first).studyID
        try Submit.parse(common + ["--new-attempt", a.path]).run()
        XCTAssertEqual(try t.depth(.studies, lane: .bulk), 3)
        XCTAssertEqual(try t.studyRecord(idA)?.attempt, 2)
        XCTAssertEqual(try t.studyRecord(queued.first { $0 != idA }!)?.attempt, 1)
    }

    func testFolderOfUnreadableFilesIsReportedAndFailsWhileOthersAreSubmitted() throws {
        let (url, prefix, dir) = try redisCase()
        let good = dir.appendingPathComponent("good"), bad = dir.appendingPathComponent("bad")
        try writeSeries(good, seed: 30)
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        for name in ["a.dcm", "b.txt"] { try Data("not a DICOM file".utf8).write(to: bad.appendingPathComponent(name)) }

        let found = try StudyDiscovery.discover([good.path, bad.path], recursive: false)
        XCTAssertEqual(found.found.count, 1)
        XCTAssertEqual(found.unusable.map(\.path), [bad.path])
        XCTAssertTrue(found.unusable.first?.reason.contains("2 files not readable as DICOM") == true, "\(found.unusable)")

        let t = try RedisTransport(url: RedisURL(parsing: url), keys: Keys(prefix: prefix))
        XCTAssertThrowsError(try Submit.parse(["--redis-url", url, "--prefix", prefix, good.path, bad.path]).run(),
                             "a path that yields no study must fail the command") { error in
            XCTAssertEqual((error as? ExitCode)?.rawValue, ExitCode.failure.rawValue)
        }
        XCTAssertEqual(try t.studies(in: .queued).count, 1, "the readable folder is still submitted")
    }

    /// `--wait` with nobody serving: it gives up at `--timeout`, prints the worklist as it
    /// stands and exits non-zero, leaving the study queued in the cluster.
    func testWaitGivesUpAtItsTimeout() throws {
        let (url, prefix, dir) = try redisCase()
        try writeSeries(dir.appendingPathComponent("CT"), seed: 40)
        let started = Date()
        XCTAssertThrowsError(try Submit.parse(["--redis-url", url, "--prefix", prefix, "--wait", "--timeout", "1",
                                               dir.appendingPathComponent("CT").path]).run()) { error in
            XCTAssertEqual((error as? ExitCode)?.rawValue, ExitCode.failure.rawValue)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "--wait must not wait past its timeout")
        let t = try RedisTransport(url: RedisURL(parsing: url), keys: Keys(prefix: prefix))
        XCTAssertEqual(try t.studies(in: .queued).count, 1, "the study stays in the cluster")
        XCTAssertThrowsError(try Submit.parse(["--timeout", "0", "x"]))
    }
}
