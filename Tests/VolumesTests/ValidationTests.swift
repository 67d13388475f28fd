import Foundation
import XCTest
@testable import Volumes

/// Every invalid input of issue 2 fails with its own kind and a message naming the file or
/// series and the reason. Inputs are built in a temporary folder.
final class ValidationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try TestData.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func assertRead(_ url: URL, fails kind: VolumeError.Kind, containing parts: [String], decoder: DICOMDecoder = .inProcess,
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DICOMSeriesReader.read(url, decoder: decoder), file: file, line: line) { error in
            guard let e = error as? VolumeError else { return XCTFail("not a VolumeError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
            for part in parts { XCTAssertTrue("\(e)".contains(part), "'\(part)' not in: \(e)", file: file, line: line) }
        }
    }

    func zPositions(_ z: [Double]) -> [SIMD3<Double>] { z.map { [-100, -120, $0] } }

    func testValidSyntheticSeriesRoundTrips() throws {
        let volume = TestData.phantom()
        try DICOMWriter.writeSeries(volume, to: folder)
        let read = try DICOMSeriesReader.read(folder)
        XCTAssertEqual(read.voxels, volume.voxels)
        XCTAssertEqual(read.size, volume.size)
        XCTAssertEqual(read.geometry, volume.geometry)
        XCTAssertEqual(read.metadata.patientID, "PHANTOM-1")
        XCTAssertEqual(read.metadata.studyDate, "20260101")
    }

    func testSlicesAreSortedAlongTheNormalWhateverTheFileOrder() throws {
        var volume = TestData.phantom(slices: 10)
        // Slices written in reverse order of position: slice k lands at z = 40 + 2.5 (9 - k).
        let positions = zPositions((0..<10).map { 40 + 2.5 * Double(9 - $0) })
        try DICOMWriter.writeSeries(volume, to: folder, positions: positions)
        let read = try DICOMSeriesReader.read(folder)
        XCTAssertEqual(read.geometry.origin, [-100, -120, 40])
        volume.voxels = (0..<10).reversed().flatMap { Array(volume.slice($0)) }
        XCTAssertEqual(read.voxels, volume.voxels)
    }

    func testNotCTSeriesIsRejected() throws {
        var volume = TestData.phantom()
        volume.metadata.modality = "MR"
        try DICOMWriter.writeSeries(volume, to: folder)
        assertRead(folder, fails: .notCT, containing: ["slice-0001.dcm", "not CT (modality MR)"])
    }

    func testFewerThanTenSlicesIsRejected() throws {
        try DICOMWriter.writeSeries(TestData.phantom(slices: 9), to: folder)
        assertRead(folder, fails: .tooFewSlices, containing: ["series ", "9 slices, fewer than the 10"])
    }

    func testDuplicatePositionsAreRejected() throws {
        var z = (0..<12).map { 40 + 2.5 * Double($0) }
        z[7] = z[6]
        try DICOMWriter.writeSeries(TestData.phantom(), to: folder, positions: zPositions(z))
        assertRead(folder, fails: .duplicatePositions, containing: ["same position along the slice normal", "slice-000"])
    }

    func testUnevenSpacingIsRejected() throws {
        var z = (0..<12).map { 40 + 2.5 * Double($0) }
        for i in 8..<12 { z[i] += 2.5 }  // a missing slice between 8 and 9
        try DICOMWriter.writeSeries(TestData.phantom(), to: folder, positions: zPositions(z))
        assertRead(folder, fails: .unevenSpacing,
                   containing: ["uneven slice spacing: 5 mm between", "slice-0008.dcm", "slice-0009.dcm", "median 2.5 mm"])
    }

    func testSpacingWithinToleranceIsAccepted() throws {
        var z = (0..<12).map { 40 + 2.5 * Double($0) }
        z[5] += 0.02  // 0.8 % of the gap, under the 1 % tolerance
        try DICOMWriter.writeSeries(TestData.phantom(), to: folder, positions: zPositions(z))
        XCTAssertEqual(try DICOMSeriesReader.read(folder).geometry.spacing.z, 2.5, accuracy: 1e-9)
    }

    func testMissingPositionAndOrientationAreRejected() throws {
        let urls = try DICOMWriter.writeSeries(TestData.phantom(), to: folder)
        let headers = try urls.map { try DICOMFile.readHeader(at: $0) }
        var noPosition = headers
        noPosition[3].position = nil
        XCTAssertThrowsError(try SeriesValidator.validate(DICOMSeries(seriesInstanceUID: "s", headers: noPosition))) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .missingGeometry)
            XCTAssertTrue("\($0)".contains("slice-0004.dcm: missing or malformed ImagePositionPatient"), "\($0)")
        }
        var noOrientation = headers
        noOrientation[5].rowDirection = nil
        XCTAssertThrowsError(try SeriesValidator.validate(DICOMSeries(seriesInstanceUID: "s", headers: noOrientation))) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .missingGeometry)
            XCTAssertTrue("\($0)".contains("slice-0006.dcm: missing or malformed ImageOrientationPatient"), "\($0)")
        }
    }

    func testFileWithoutPositionTagIsRejected() throws {
        // The LIDC sample has a synthetic header; drop its modality check to reach geometry.
        let url = try TestData.data("dicom-samples/lidc-slice/0.dcm")
        let header = try DICOMFile.readHeader(at: url)
        var rules = SeriesRules()
        rules.modalities = [header.modality]
        rules.minimumSlices = 1
        let series = DICOMSeries(seriesInstanceUID: "lidc", headers: [header])
        if header.position == nil {
            XCTAssertThrowsError(try SeriesValidator.validate(series, rules: rules)) {
                XCTAssertEqual(($0 as? VolumeError)?.kind, .missingGeometry)
            }
        }
        // Without Modality the default rules say so by name.
        XCTAssertEqual(header.modality, "")
        XCTAssertThrowsError(try SeriesValidator.validate(series)) {
            XCTAssertTrue("\($0)".contains("0.dcm: not CT (no Modality)"), "\($0)")
        }
    }

    func testInconsistentRowsAndColumnsAreRejected() throws {
        let volume = TestData.phantom()
        let urls = try DICOMWriter.writeSeries(volume, to: folder)
        let h = try DICOMFile.readHeader(at: urls[4])
        let spec = DICOMSliceSpec(rows: 7, columns: 8, pixelSpacing: [0.75, 0.8], position: h.position!,
                                  sliceThickness: 2.5, studyInstanceUID: h.studyInstanceUID,
                                  seriesInstanceUID: h.seriesInstanceUID)
        try DICOMWriter.writeSlice([Int16](repeating: 0, count: 56), spec: spec, to: urls[4])
        assertRead(folder, fails: .inconsistentSize, containing: ["slice-0005.dcm: 7x8 pixels", "has 6x8"])
    }

    func testTruncatedPixelDataIsRejected() throws {
        let urls = try DICOMWriter.writeSeries(TestData.phantom(columns: 64, rows: 64), to: folder)
        let data = try Data(contentsOf: urls[2])
        try data.prefix(data.count - 4000).write(to: urls[2])
        assertRead(folder, fails: .unreadable, containing: ["slice-0003.dcm: truncated file: pixel data ends at byte"])
    }

    /// JPEG decoders fill a cut-short compressed stream silently: the reader must not.
    func testTruncatedCompressedFileIsRejected() throws {
        let source = try TestData.data("volumes/ricord-1a-000082-covid")
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path).sorted().prefix(12)
        for name in names {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        XCTAssertEqual(try DICOMSeriesReader.read(folder).size.slices, 12)
        let victim = folder.appendingPathComponent(names[names.startIndex + 4])
        let data = try Data(contentsOf: victim)
        try data.prefix(data.count / 2).write(to: victim)
        assertRead(folder, fails: .unreadable,
                   containing: ["\(victim.lastPathComponent): truncated file: compressed pixel data has no sequence delimiter"])
        XCTAssertThrowsError(try DICOMFile.readImage(at: victim)) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .unreadable)
        }
        let report = try Inspector.inspect(victim)
        XCTAssertEqual(report.series.first?.errorKind, .unreadable)
    }

    /// An inspection's JSON is flat (header fields beside the verdict, as `inspect --json` has
    /// always written them) and reads back equal.
    func testInspectionJSONIsFlatAndRoundTrips() throws {
        try DICOMWriter.writeSeries(TestData.phantom(), to: folder)
        let report = try Inspector.inspect(folder)
        let inspection = try XCTUnwrap(report.series.first)
        XCTAssertEqual(inspection.modality, "CT")
        XCTAssertTrue(inspection.valid)
        let json = try JSONEncoder().encode(inspection)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(object["modality"] as? String, "CT")
        XCTAssertEqual(object["fileCount"] as? Int, inspection.fileCount)
        XCTAssertEqual(object["verdict"] as? String, "valid")
        XCTAssertNil(object["header"], "no nested header object")
        XCTAssertEqual(try JSONDecoder().decode(SeriesInspection.self, from: json), inspection)
    }

    /// GDCM's assertions abort on this header: read through the decoder child, as ctscreen
    /// does (in-process the abort would take the test runner with it; see DecoderIsolationTests).
    func testTruncatedHeaderIsRejected() throws {
        let urls = try DICOMWriter.writeSeries(TestData.phantom(), to: folder)
        let data = try Data(contentsOf: urls[0])
        try data.prefix(300).write(to: urls[0])
        assertRead(folder, fails: .decoderCrashed, containing: ["the DICOM decoder crashed (SIGABRT) on", "slice-0001.dcm"],
                   decoder: try TestData.childDecoder())
    }

    func testNonDICOMFileInSeriesFolderIsRejected() throws {
        try DICOMWriter.writeSeries(TestData.phantom(), to: folder)
        try Data("patient notes\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        assertRead(folder, fails: .notDICOM, containing: ["notes.txt: not a DICOM file"])
        XCTAssertThrowsError(try DICOMFile.readHeader(at: folder.appendingPathComponent("notes.txt"))) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .notDICOM)
        }
    }

    func testEmptyFolderIsRejected() throws {
        assertRead(folder, fails: .emptyFolder, containing: [folder.path, "empty folder"])
    }

    func testMissingPathIsRejected() throws {
        assertRead(folder.appendingPathComponent("nope"), fails: .notFound, containing: ["nope: no such file or folder"])
    }
}
