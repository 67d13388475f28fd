import Foundation
import XCTest
@testable import Volumes

/// A folder holding several series: listing, selection by UID and by the automatic rule.
final class SeriesFolderTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try TestData.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Three series: CT with 12 slices, CT with 15, MR with 20 (the most, but not CT).
    func writeThreeSeries() throws -> (ct12: String, ct15: String, mr20: String) {
        var uids: [String] = []
        for (name, slices, modality) in [("a", 12, "CT"), ("b", 15, "CT"), ("c", 20, "MR")] {
            var v = TestData.phantom(slices: slices)
            v.metadata.modality = modality
            v.metadata.seriesInstanceUID = DICOMWriter.generateUID()
            try DICOMWriter.writeSeries(v, to: folder.appendingPathComponent(name))
            uids.append(v.metadata.seriesInstanceUID)
        }
        return (uids[0], uids[1], uids[2])
    }

    func testListSeriesGroupsFilesBySeriesUID() throws {
        let uids = try writeThreeSeries()
        let list = try DICOMFolder.listSeries(at: folder)
        XCTAssertEqual(list.count, 3)
        let byUID = Dictionary(uniqueKeysWithValues: list.map { ($0.seriesInstanceUID, $0) })
        XCTAssertEqual(byUID[uids.ct12]?.fileCount, 12)
        XCTAssertEqual(byUID[uids.ct15]?.fileCount, 15)
        XCTAssertEqual(byUID[uids.mr20]?.fileCount, 20)
        XCTAssertEqual(byUID[uids.mr20]?.modality, "MR")
        XCTAssertEqual(byUID[uids.ct12]?.rows, 6)
        XCTAssertEqual(byUID[uids.ct12]?.columns, 8)
    }

    /// A symbolic link given as the study folder reads the series it points to (before, the
    /// walk stopped at the link: "empty folder").
    func testASymlinkedFolderIsFollowed() throws {
        let uids = try writeThreeSeries()
        let link = folder.appendingPathComponent("link-to-b")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: folder.appendingPathComponent("b"))
        let list = try DICOMFolder.listSeries(at: link)
        XCTAssertEqual(list.map(\.seriesInstanceUID), [uids.ct15])
        XCTAssertEqual(try DICOMSeriesReader.read(link).size.slices, 15)
    }

    func testAutomaticSelectionTakesTheCTSeriesWithMostSlices() throws {
        let uids = try writeThreeSeries()
        let v = try DICOMSeriesReader.read(folder)
        XCTAssertEqual(v.metadata.seriesInstanceUID, uids.ct15)
        XCTAssertEqual(v.size.slices, 15)
    }

    func testSelectionByUID() throws {
        let uids = try writeThreeSeries()
        XCTAssertEqual(try DICOMSeriesReader.read(folder, selection: .uid(uids.ct12)).size.slices, 12)
        XCTAssertThrowsError(try DICOMSeriesReader.read(folder, selection: .uid(uids.mr20))) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .notCT)
        }
        XCTAssertThrowsError(try DICOMSeriesReader.read(folder, selection: .uid("1.2.3"))) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .noSuchSeries)
            XCTAssertTrue("\($0)".contains("\(self.folder.path): no series with SeriesInstanceUID 1.2.3"), "\($0)")
        }
    }

    /// Two series mixed file by file in one folder still separate by UID.
    func testMixedSeriesInOneFolderAreSeparated() throws {
        let uids = try writeThreeSeries()
        let mixed = folder.appendingPathComponent("mixed")
        try FileManager.default.createDirectory(at: mixed, withIntermediateDirectories: true)
        for name in ["a", "b"] {
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(name).path) {
                try FileManager.default.copyItem(at: folder.appendingPathComponent(name).appendingPathComponent(file),
                                                 to: mixed.appendingPathComponent("\(name)-\(file)"))
            }
        }
        let list = try DICOMFolder.listSeries(at: mixed)
        XCTAssertEqual(Set(list.map(\.seriesInstanceUID)), [uids.ct12, uids.ct15])
        XCTAssertEqual(try DICOMSeriesReader.read(mixed).size.slices, 15)
    }

    func testInspectorReportsEverySeriesWithVerdict() throws {
        let uids = try writeThreeSeries()
        let report = try Inspector.inspect(folder)
        XCTAssertEqual(report.kind, .dicomFolder)
        XCTAssertEqual(report.validCount, 2)
        let mr = try XCTUnwrap(report.series.first { $0.seriesInstanceUID == uids.mr20 })
        XCTAssertFalse(mr.valid)
        XCTAssertEqual(mr.errorKind, .notCT)
        let ct = try XCTUnwrap(report.series.first { $0.seriesInstanceUID == uids.ct12 })
        XCTAssertEqual(ct.size, VolumeSize(columns: 8, rows: 6, slices: 12))
        let phantom = TestData.phantom(slices: 12)
        XCTAssertEqual(ct.huMin, Int(phantom.voxels.min()!))
        XCTAssertEqual(ct.huMax, Int(phantom.voxels.max()!))
        XCTAssertEqual(ct.verdict, "valid")
    }

    /// The same series dropped twice (a second copy in a subfolder, plus one file copied
    /// under another name): the copies are left out, listed, and the series reads whole.
    func testCopiesOfTheSameImagesAreLeftOut() throws {
        try DICOMWriter.writeSeries(TestData.phantom(slices: 12), to: folder.appendingPathComponent("a"))
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: folder.appendingPathComponent("a").path).sorted()
        try fm.copyItem(at: folder.appendingPathComponent("a"), to: folder.appendingPathComponent("b-again"))
        try fm.copyItem(at: folder.appendingPathComponent("a/\(names[3])"), to: folder.appendingPathComponent("a/z-copy.dcm"))

        let scan = try DICOMFolder.scan(folder)
        XCTAssertEqual(scan.series.count, 1)
        XCTAssertEqual(scan.series[0].headers.count, 12)
        XCTAssertEqual(scan.copies.count, 13)
        XCTAssertTrue(scan.copies.allSatisfy { $0.contains("/b-again/") || $0.hasSuffix("/a/z-copy.dcm") }, "\(scan.copies)")
        XCTAssertEqual(try DICOMSeriesReader.read(folder).size.slices, 12)
        let report = try Inspector.inspect(folder)
        XCTAssertEqual(report.copies, scan.copies)
        XCTAssertEqual(report.validCount, 1)
    }
}

