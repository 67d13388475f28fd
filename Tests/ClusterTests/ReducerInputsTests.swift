import Clustering
import Foundation
import Screening
import XCTest
@testable import Cluster

/// The reducer draws on the backdrops the study context carries: it reads no study files
/// (and decodes no DICOM). The series is removed once the coordinator has split it; the study
/// still completes, with the same report and byte-identical pictures as a run that kept the
/// files. (Before, the reducer read the series again and the study failed.)
final class ReducerInputsTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try StudyFixtures.temporaryFolder("reducer-inputs") }
    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    /// Screens a fresh copy of the series into `name`; `removeAfterSplit` deletes the series
    /// once the coordinator is done with it. Returns the study's output folder.
    private func screen(_ name: String, removeAfterSplit: Bool) throws -> URL {
        let series = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("\(name)/CT"), slices: 12, brightness: 120,
                                                   studyUID: "1.2.3", seriesUID: "1.2.3.4")
        let out = dir.appendingPathComponent("\(name)/out")
        let roles = try StudyFixtures.Roles(outputRoot: out)
        let found = try XCTUnwrap(try StudyDiscovery.find([series.path], recursive: false).first)
        _ = try Submission(transport: roles.transport, outputRoot: out.path).submit(found)
        try roles.drain([.studies])
        XCTAssertEqual(try roles.transport.studyRecord(found.studyID)?.state, .classifying)
        if removeAfterSplit { try FileManager.default.removeItem(at: series) }
        try roles.drain()
        XCTAssertEqual(try roles.transport.studyRecord(found.studyID)?.state, .done)
        return try XCTUnwrap(try FileManager.default.contentsOfDirectory(at: out, includingPropertiesForKeys: nil).first)
    }

    func testTheReducerNeedsNoStudyFiles() throws {
        let kept = try screen("kept", removeAfterSplit: false)
        let removed = try screen("removed", removeAfterSplit: true)
        func report(_ folder: URL) throws -> ScreeningReport {
            try JSONDecoder().decode(ScreeningReport.self, from: Data(contentsOf: folder.appendingPathComponent(StudyOutputs.reportName)))
        }
        let a = try report(kept), b = try report(removed)
        XCTAssertFalse(a.positiveSlices.isEmpty, "the fixture has positive slices to draw")
        XCTAssertEqual(a.positiveSlices, b.positiveSlices)
        XCTAssertEqual(a.coronaScore, b.coronaScore)
        XCTAssertEqual(a.outputs, b.outputs)
        let pictures = a.outputs.filter { $0.key.hasPrefix("slice ") || $0.key == "overview" }.map(\.value)
        XCTAssertEqual(pictures.count, a.positiveSlices.count + 1)
        for path in pictures {
            let x = try Data(contentsOf: kept.appendingPathComponent(path)), y = try Data(contentsOf: removed.appendingPathComponent(path))
            XCTAssertEqual(x, y, path)
        }
    }

    /// The clustering inputs follow the report's slices: one feature row per lung slice (the
    /// fixture classifier's single feature is its probability) and one 64 × 64 thumbnail of
    /// the slice's crop, brighter where the series is (its box brightens slice by slice).
    func testClusteringInputsFollowTheReportSlices() throws {
        let folder = try screen("inputs", removeAfterSplit: true)
        let report = try JSONDecoder().decode(ScreeningReport.self,
                                              from: Data(contentsOf: folder.appendingPathComponent(StudyOutputs.reportName)))
        XCTAssertEqual(report.outputs["features"], "features.npy")
        let features = try NPYFile.read(folder.appendingPathComponent("features.npy"))
        XCTAssertEqual(features.shape, [report.slices.count, 1])
        for (value, slice) in zip(features.floats(), report.slices) {
            XCTAssertEqual(Double(value), slice.probability, accuracy: 1e-3, "slice \(slice.index)")
        }
        let thumbnails = try NPYFile.read(folder.appendingPathComponent(try XCTUnwrap(report.outputs["thumbnails"])))
        XCTAssertEqual(thumbnails.shape, [report.slices.count, 64, 64])
        let means = (0..<report.slices.count).map { i in
            thumbnails.bytes[(i * 4096)..<((i + 1) * 4096)].reduce(0) { $0 + Int($1) } / 4096
        }
        XCTAssertEqual(means, means.sorted(), "thumbnail brightness follows the slices' \(means)")
        XCTAssertGreaterThan(means.last!, means.first!)
    }
}
