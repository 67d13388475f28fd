import Foundation
import XCTest
@testable import Volumes

final class NIfTITests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try TestData.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func assertSameGrid(_ a: Geometry, _ b: Geometry, accuracy: Double = 1e-4,
                        file: StaticString = #filePath, line: UInt = #line) {
        for (x, y) in [(a.spacing, b.spacing), (a.origin, b.origin), (a.rowDirection, b.rowDirection),
                       (a.columnDirection, b.columnDirection), (a.sliceDirection, b.sliceDirection)] {
            for i in 0..<3 { XCTAssertEqual(x[i], y[i], accuracy: accuracy, "\(x) vs \(y)", file: file, line: line) }
        }
    }

    /// Issue 2 acceptance: every voxel and the affine (within 1e-4 mm) survive a round trip.
    func testRicordRoundTripKeepsEveryVoxelAndTheAffine() throws {
        let volume = try RealSeriesTests.ricord()
        let url = folder.appendingPathComponent("ricord.nii")  // .nii.gz is covered by the small map below
        try NIfTI.write(volume, to: url)
        let back = try NIfTI.read(at: url)
        XCTAssertEqual(back.size, volume.size)
        XCTAssertTrue(back.voxels == volume.voxels, "voxels differ")
        // Corner voxels land on the same patient positions.
        for (c, r, s) in [(0.0, 0.0, 0.0), (511.0, 511.0, 254.0), (13.0, 400.0, 127.0)] {
            let p = volume.geometry.position(column: c, row: r, slice: s)
            let q = back.geometry.position(column: c, row: r, slice: s)
            for i in 0..<3 { XCTAssertEqual(p[i], q[i], accuracy: 1e-4) }
        }
        assertSameGrid(back.geometry, volume.geometry)
    }

    /// The written affine is the LPS grid expressed in RAS: x and y negated.
    func testAffineIsRASWithObliqueDirections() throws {
        let s = 0.5.squareRoot()
        var volume = TestData.phantom()
        volume.geometry = Geometry(spacing: [0.7, 0.9, 2.5], origin: [-100, 50, 12.5],
                                   rowDirection: [s, s, 0], columnDirection: [-s, s, 0], sliceDirection: [0, 0, 1])
        let url = folder.appendingPathComponent("oblique.nii")
        try NIfTI.write(volume, to: url)
        let a = NIfTI.rasAffine(volume.geometry)
        XCTAssertEqual(a[0][3], 100)   // L→R flips x
        XCTAssertEqual(a[1][3], -50)   // P→A flips y
        XCTAssertEqual(a[2][3], 12.5)
        XCTAssertEqual(a[0][0], -0.7 * s, accuracy: 1e-12)
        let back = try NIfTI.read(at: url)
        XCTAssertEqual(back.voxels, volume.voxels)
        assertSameGrid(back.geometry, volume.geometry, accuracy: 1e-5)
    }

    /// Viewers need both transforms: qform_code and sform_code are 1 (scanner), srow in RAS.
    func testHeaderCarriesScannerQformAndSform() throws {
        let volume = TestData.phantom()
        let url = folder.appendingPathComponent("codes.nii")
        try NIfTI.write(volume, to: url)
        let header = try Data(contentsOf: url).prefix(348)
        func short(_ offset: Int) -> Int16 { header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int16.self) } }
        func float(_ offset: Int) -> Float { header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Float.self) } }
        XCTAssertEqual(short(252), 1)  // qform_code
        XCTAssertEqual(short(254), 1)  // sform_code
        XCTAssertEqual(short(70), 4)   // datatype INT16
        // srow_x = (-0.75, 0, 0, 100): origin x -100 mm LPS is +100 mm RAS.
        XCTAssertEqual([float(280), float(284), float(288), float(292)], [-0.75, 0, 0, 100])
        XCTAssertEqual([float(296), float(300), float(304), float(308)], [0, -0.8, 0, 120])
        XCTAssertEqual([float(312), float(316), float(320), float(324)], [0, 0, 2.5, 40])
    }

    func testFloatAndMaskVolumesRoundTrip() throws {
        let volume = TestData.phantom(slices: 3)
        let floats = (0..<volume.size.count).map { Float($0) * 0.25 - 3 }
        let mask = (0..<volume.size.count).map { UInt8($0 % 2) }
        let fURL = folder.appendingPathComponent("map.nii.gz"), mURL = folder.appendingPathComponent("mask.nii")
        try NIfTI.write(voxels: floats, size: volume.size, geometry: volume.geometry, to: fURL)
        try NIfTI.write(voxels: mask, size: volume.size, geometry: volume.geometry, to: mURL)
        XCTAssertEqual(try NIfTI.readFloat(at: fURL).voxels, floats)
        XCTAssertEqual(try NIfTI.readFloat(at: mURL).voxels, mask.map(Float.init))
        assertSameGrid(try NIfTI.readFloat(at: mURL).geometry, volume.geometry, accuracy: 1e-5)
    }

    func testTotalSegmentatorExampleReads() throws {
        let v = try NIfTI.read(at: TestData.data("dicom-samples/totalsegmentator-example-ct.nii.gz"))
        XCTAssertGreaterThan(v.size.slices, 10)
        XCTAssertEqual(v.geometry.spacing.z, 3, accuracy: 0.01)   // "a 3 mm NIfTI volume"
        XCTAssertLessThan(v.voxels.min()!, -500)
        XCTAssertGreaterThan(v.voxels.max()!, 200)
    }

    func testBadNIfTIInputsFailWithReasons() throws {
        let junk = folder.appendingPathComponent("junk.nii")
        try Data(repeating: 7, count: 100).write(to: junk)
        XCTAssertThrowsError(try NIfTI.read(at: junk)) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .niftiError)
            XCTAssertTrue("\($0)".contains("junk.nii: not a readable NIfTI file"), "\($0)")
        }
        let volume = TestData.phantom(slices: 2)
        XCTAssertThrowsError(try NIfTI.write(volume, to: folder.appendingPathComponent("x.img"))) {
            XCTAssertTrue("\($0)".contains("must end in .nii or .nii.gz"), "\($0)")
        }
    }
}
