import Foundation
import XCTest
@testable import Volumes

final class DICOMWriterTests: XCTestCase {
    func testWrittenSliceReadsBackWithHeaderAndPixels() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pixels: [Int16] = (0..<12).map { Int16($0 * 250 - 1500) }  // -1500 ... 1250
        let spec = DICOMSliceSpec(rows: 3, columns: 4, pixelSpacing: [0.5, 0.7], position: [-10.5, 20.25, -300],
                                  rowDirection: [0, 1, 0], columnDirection: [0, 0, -1], sliceThickness: 1.5,
                                  instanceNumber: 7, patientID: "P-42", studyDate: "20200401",
                                  seriesInstanceUID: "1.2.3.4.5")
        let url = folder.appendingPathComponent("one.dcm")
        try DICOMWriter.writeSlice(pixels, spec: spec, to: url)

        let image = try DICOMFile.readImage(at: url)
        let h = image.header
        XCTAssertEqual(h.rows, 3)
        XCTAssertEqual(h.columns, 4)
        XCTAssertEqual(h.modality, "CT")
        XCTAssertEqual(h.patientID, "P-42")
        XCTAssertEqual(h.studyDate, "20200401")
        XCTAssertEqual(h.seriesInstanceUID, "1.2.3.4.5")
        XCTAssertFalse(h.studyInstanceUID.isEmpty)
        XCTAssertFalse(h.sopInstanceUID.isEmpty)
        XCTAssertEqual(h.instanceNumber, 7)
        XCTAssertEqual(h.pixelSpacing, [0.5, 0.7])
        XCTAssertEqual(h.position, [-10.5, 20.25, -300])
        XCTAssertEqual(h.rowDirection, [0, 1, 0])
        XCTAssertEqual(h.columnDirection, [0, 0, -1])
        XCTAssertEqual(h.sliceThickness, 1.5)
        XCTAssertEqual(h.rescaleIntercept, -1024)
        XCTAssertEqual(h.rescaleSlope, 1)
        XCTAssertEqual(image.storedValues, pixels.map { Int32($0) + 1024 })
        XCTAssertEqual(image.hounsfieldUnits, pixels)
    }

    func testValueOutsideInt16AfterInterceptIsRefused() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = DICOMSliceSpec(rows: 1, columns: 2, pixelSpacing: [1, 1], position: .zero, sliceThickness: 1)
        XCTAssertThrowsError(try DICOMWriter.writeSlice([0, 32000], spec: spec,
                                                        to: folder.appendingPathComponent("x.dcm"))) { error in
            XCTAssertEqual((error as? VolumeError)?.kind, .writeFailed)
            XCTAssertTrue("\(error)".contains("32000"), "\(error)")
        }
    }

    func testSeriesWritesOneFilePerSliceWithSharedUIDs() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let volume = TestData.phantom(slices: 3)
        let urls = try DICOMWriter.writeSeries(volume, to: folder)
        XCTAssertEqual(urls.map(\.lastPathComponent), ["slice-0001.dcm", "slice-0002.dcm", "slice-0003.dcm"])
        let headers = try urls.map { try DICOMFile.readHeader(at: $0) }
        XCTAssertEqual(Set(headers.map(\.seriesInstanceUID)).count, 1)
        XCTAssertEqual(Set(headers.map(\.studyInstanceUID)).count, 1)
        XCTAssertEqual(Set(headers.map(\.sopInstanceUID)).count, 3)
        XCTAssertEqual(headers[2].position, [-100, -120, 45])
        let last = try DICOMFile.readImage(at: urls[2])
        XCTAssertEqual(last.hounsfieldUnits, Array(volume.slice(2)))
    }
}
