import Foundation
import XCTest
@testable import Volumes

/// Acceptance values of issue 2, computed independently with pydicom.
final class RealSeriesTests: XCTestCase {
    /// The 255-slice JPEG-lossless study, read once for the whole class.
    nonisolated(unsafe) static var ricordCache: Result<Volume, Error>?

    static func ricord() throws -> Volume {
        if ricordCache == nil {
            ricordCache = Result { try DICOMSeriesReader.read(TestData.data("volumes/ricord-1a-000082-covid")) }
        }
        return try ricordCache!.get()
    }

    func sliceSum(_ v: Volume, _ k: Int) -> Int { v.slice(k).reduce(0) { $0 + Int($1) } }

    func testRicordCovidSeriesMatchesReference() throws {
        _ = try TestData.data("volumes/ricord-1a-000082-covid")
        let v = try Self.ricord()
        XCTAssertEqual(v.size, VolumeSize(columns: 512, rows: 512, slices: 255))
        XCTAssertEqual(v.geometry.spacing.x, 0.703125, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.spacing.y, 0.703125, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.spacing.z, 1.25, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.origin.x, -192.2, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.origin.y, -180.0, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.origin.z, -349.25, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.position(column: 0, row: 0, slice: 254).z, -31.75, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.rowDirection, [1, 0, 0])
        XCTAssertEqual(v.geometry.columnDirection, [0, 1, 0])
        XCTAssertEqual(v.geometry.sliceDirection, [0, 0, 1])
        XCTAssertEqual(v.voxels.min(), -3024)
        XCTAssertEqual(v.voxels.max(), 1857)
        XCTAssertEqual(sliceSum(v, 0), -201_601_658)
        XCTAssertEqual(sliceSum(v, 127), -258_521_395)
        XCTAssertEqual(v[127, 256, 256], 52)
        XCTAssertEqual(v[0, 100, 200], -106)
        XCTAssertEqual(v.metadata.modality, "CT")
        XCTAssertFalse(v.metadata.seriesInstanceUID.isEmpty)
        XCTAssertFalse(v.metadata.studyInstanceUID.isEmpty)
    }

    func testLungPetCtNonCovidSeriesMatchesReference() throws {
        let v = try DICOMSeriesReader.read(TestData.data("volumes/lung-pet-ct-dx-a0002-noncovid"))
        XCTAssertEqual(v.size, VolumeSize(columns: 512, rows: 512, slices: 30))
        XCTAssertEqual(v.geometry.spacing.x, 0.646484375, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.spacing.z, 8, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.origin.z, 80, accuracy: 1e-9)
        XCTAssertEqual(v.geometry.position(column: 0, row: 0, slice: 29).z, 312, accuracy: 1e-9)
        XCTAssertEqual(v.voxels.min(), -1024)
        XCTAssertEqual(v.voxels.max(), 1548)
        XCTAssertEqual(sliceSum(v, 0), -117_381_812)
        XCTAssertEqual(v[15, 256, 256], 31)
    }

    func testCTSmallRawValuesAndIntercept() throws {
        let image = try DICOMFile.readImage(at: TestData.data("dicom-samples/pydicom/CT_small.dcm"))
        XCTAssertEqual(image.header.rows, 128)
        XCTAssertEqual(image.header.columns, 128)
        XCTAssertEqual(image.rescaleIntercept, -1024)
        XCTAssertEqual(Array(image.storedValues.prefix(5)), [175, 180, 166, 143, 139])
        XCTAssertEqual(Array(image.hounsfieldUnits.prefix(2)), [175 - 1024, 180 - 1024])
        let volume = try DICOMFile.readVolume(at: TestData.data("dicom-samples/pydicom/CT_small.dcm"))
        XCTAssertEqual(volume.size, VolumeSize(columns: 128, rows: 128, slices: 1))
        XCTAssertEqual(volume[0, 0, 0], 175 - 1024)
    }

    func testMRFilesAreRejectedAsNotCT() throws {
        for name in ["MR_small_RLE.dcm", "MR_small_implicit.dcm"] {
            let url = try TestData.data("dicom-samples/pydicom/\(name)")
            let header = try DICOMFile.readHeader(at: url)
            let series = DICOMSeries(seriesInstanceUID: header.seriesInstanceUID, headers: [header])
            XCTAssertThrowsError(try SeriesValidator.validate(series)) { error in
                XCTAssertEqual((error as? VolumeError)?.kind, .notCT, "\(name): \(error)")
                XCTAssertTrue("\(error)".contains("not CT (modality MR)"), "\(error)")
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
            // The pixels still decode (RLE, implicit VR): rejection is the validator's, not a crash.
            XCTAssertEqual(try DICOMFile.readImage(at: url).storedValues.count, header.rows * header.columns)
        }
    }

    func testJPEG2000FileDecodes() throws {
        let image = try DICOMFile.readImage(at: TestData.data("dicom-samples/pydicom/JPEG2000.dcm"))
        XCTAssertGreaterThan(image.header.rows, 0)
        XCTAssertEqual(image.storedValues.count, image.header.rows * image.header.columns)
        XCTAssertNotEqual(image.storedValues.min(), image.storedValues.max())
    }

    /// Big-endian header values arrive swapped; the image is colour (ultrasound), refused by name.
    func testBigEndianHeaderReadsAndColourImageIsRefused() throws {
        let url = try TestData.data("dicom-samples/pydicom/ExplVR_BigEnd.dcm")
        let header = try DICOMFile.readHeader(at: url)
        XCTAssertEqual(header.rows, 60)
        XCTAssertEqual(header.columns, 80)
        XCTAssertEqual(header.modality, "US")
        XCTAssertEqual(header.transferSyntaxUID, "1.2.840.10008.1.2.2")
        XCTAssertThrowsError(try DICOMFile.readImage(at: url)) { error in
            XCTAssertEqual((error as? VolumeError)?.kind, .unsupportedImage)
            XCTAssertTrue("\(error)".contains("ExplVR_BigEnd.dcm: colour image (3 samples per pixel)"), "\(error)")
        }
    }

    func testJPEG2000SeriesReads() throws {
        let v = try DICOMSeriesReader.read(TestData.data("dicom-samples/totalsegmentator-j2k-series"))
        XCTAssertEqual(v.size.slices, 20)
        XCTAssertEqual(v.metadata.modality, "CT")
        XCTAssertGreaterThan(v.geometry.spacing.z, 0)
        XCTAssertLessThan(v.voxels.min()!, -500)   // air around the body
        XCTAssertGreaterThan(v.voxels.max()!, 200)  // bone
    }
}
