import Foundation
import Volumes
import XCTest
@testable import CTScreenCLI

/// `cut-series` writes a run of slices of a study as a new series: the same voxels and
/// positions, new UIDs (so a load run's cuts are distinct studies).
final class CutSeriesTests: XCTestCase {
    func testCutKeepsVoxelsAndPositionsUnderNewUIDs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-cut-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let size = VolumeSize(columns: 8, rows: 6, slices: 16)
        let source = Volume(size: size, geometry: Geometry(spacing: [0.7, 0.8, 2.5], origin: [-10, 20, -300]),
                            metadata: StudyMetadata(patientID: "P"), voxels: (0..<size.count).map { Int16($0 % 2000 - 1000) })
        try DICOMWriter.writeSeries(source, to: dir.appendingPathComponent("in"))
        let original = try DICOMSeriesReader.read(dir.appendingPathComponent("in"))
        try CutSeries.parse([dir.appendingPathComponent("in").path, "--out", dir.appendingPathComponent("cut").path,
                             "--first", "2", "--count", "11"]).run()
        let cut = try DICOMSeriesReader.read(dir.appendingPathComponent("cut"))
        XCTAssertEqual(cut.size, VolumeSize(columns: 8, rows: 6, slices: 11))
        XCTAssertEqual(cut.voxels, Array(original.voxels[(2 * 48)..<(13 * 48)]))
        let want = original.geometry.position(column: 0, row: 0, slice: 2)
        for (a, b) in zip([cut.geometry.origin.x, cut.geometry.origin.y, cut.geometry.origin.z], [want.x, want.y, want.z]) {
            XCTAssertEqual(a, b, accuracy: 1e-3)
        }
        XCTAssertNotEqual(cut.metadata.seriesInstanceUID, original.metadata.seriesInstanceUID)
        XCTAssertNotEqual(cut.metadata.studyInstanceUID, original.metadata.studyInstanceUID)
        XCTAssertThrowsError(try CutSeries.parse([dir.appendingPathComponent("in").path, "--out", dir.path + "/x",
                                                  "--first", "6", "--count", "11"]).run())
    }
}
