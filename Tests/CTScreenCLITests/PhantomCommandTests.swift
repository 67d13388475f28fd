import ArgumentParser
import Foundation
import Phantom
import Segmentation
import Volumes
import XCTest
@testable import CTScreenCLI

/// `ctscreen phantom`: the written series reads back voxel for voxel, the masks carry the
/// series' grid, phantom.json lists the lesions with their exact volumes.
final class PhantomCommandTests: XCTestCase {
    func testWritesSeriesMasksAndDescription() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-phantom-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = try PhantomCommand.parse(["--out", dir.path, "--slices", "16", "--matrix", "64",
                                                "--spacing", "5", "--thickness", "10", "--seed", "3",
                                                "--ground-glass", "1", "--consolidation", "1"])
        try command.run()
        let expected = PhantomGenerator.make(command.settings)

        let series = try DICOMSeriesReader.read(dir.appendingPathComponent("dicom"))
        XCTAssertEqual(series.size, VolumeSize(columns: 64, rows: 64, slices: 16))
        XCTAssertEqual(series.voxels, expected.volume.voxels)
        XCTAssertEqual(series.geometry.spacing.x, 5, accuracy: 1e-6)
        XCTAssertEqual(series.geometry.spacing.z, 10, accuracy: 1e-6)
        XCTAssertEqual(series.geometry.origin.z, expected.volume.geometry.origin.z, accuracy: 1e-6)

        let lesions = try NIfTI.readFloat(at: dir.appendingPathComponent("lesion-mask.nii.gz"))
        XCTAssertEqual(lesions.voxels.map { UInt8($0) }, expected.lesionMask.voxels)
        XCTAssertEqual(lesions.geometry.origin.x, series.geometry.origin.x, accuracy: 1e-3)
        XCTAssertEqual(lesions.geometry.origin.y, series.geometry.origin.y, accuracy: 1e-3)
        let lungs = try NIfTI.readFloat(at: dir.appendingPathComponent("lung-mask.nii.gz"))
        XCTAssertEqual(lungs.voxels.map { UInt8($0) }, expected.lungMask.voxels)

        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("phantom.json"))) as? [String: Any]
        let list = try XCTUnwrap(json?["lesions"] as? [[String: Any]])
        XCTAssertEqual(list.count, 2)
        XCTAssertEqual(json?["seed"] as? Int, 3)
        let first = try XCTUnwrap(list.first), axes = try XCTUnwrap(first["semiAxesMM"] as? [Double])
        XCTAssertEqual(try XCTUnwrap(first["volumeCM3"] as? Double),
                       4 / 3 * Double.pi * axes[0] * axes[1] * axes[2] / 1000, accuracy: 1e-9)
    }

    func testRejectsBadOptions() {
        XCTAssertThrowsError(try PhantomCommand.parse(["--out", "/tmp/x", "--slices", "5"]))
        XCTAssertThrowsError(try PhantomCommand.parse(["--out", "/tmp/x", "--spacing", "0"]))
    }

    func testUnwritableFolderIsAnError() throws {
        let command = try PhantomCommand.parse(["--out", "/proc/ctscreen-phantom", "--slices", "10",
                                                "--matrix", "32", "--spacing", "10", "--thickness", "10"])
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertTrue("\(error)".contains("/proc/ctscreen-phantom"), "\(error)")
        }
    }
}
