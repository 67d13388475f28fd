import Foundation
import Volumes
import XCTest
@testable import Screening

final class PNGTests: XCTestCase {
    func testRGBImageRoundTripsThroughLibpng() throws {
        let folder = try TestSupport.temporaryFolder("png")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pixels = (0..<(7 * 5 * 3)).map { UInt8(($0 * 37) % 256) }
        let image = PNGFile.Image(width: 7, height: 5, channels: 3, pixels: pixels)
        let path = folder.appendingPathComponent("a.png").path
        try PNGFile.write(image, to: path)
        let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8)
        XCTAssertEqual(Array(header), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(try PNGFile.read(path), image)
    }

    func testWritingIntoAMissingFolderThrows() {
        let image = PNGFile.Image(width: 1, height: 1, channels: 1, pixels: [0])
        XCTAssertThrowsError(try PNGFile.write(image, to: "/nonexistent-ctscreen/x.png")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-ctscreen/x.png"), "\(error)")
        }
    }

    /// Overlay: lung window in gray, heat over the map, magenta contour on both sides of the
    /// mask border.
    func testOverlayShowsWindowHeatAndContour() throws {
        let volume = TestSupport.volume(columns: 10, rows: 8, slices: 1, spacing: [1, 1, 1]) { _, _, c in
            c < 5 ? -1000 : -500
        }
        var mask = [UInt8](repeating: 0, count: 80)
        for r in 2..<6 { for c in 2..<8 { mask[r * 10 + c] = 1 } }
        var map = [Float](repeating: 0, count: 80)
        map[3 * 10 + 4] = 1
        let image = Overlay.render(volume: volume, localization: map, mask: mask, slice: 0, settings: .standard)
        func pixel(_ r: Int, _ c: Int) -> [UInt8] { Array(image.pixels[(3 * (r * 10 + c))..<(3 * (r * 10 + c) + 3)]) }
        XCTAssertEqual(pixel(0, 0), [0, 0, 0])                  // −1000 HU, outside the lung
        XCTAssertEqual(pixel(0, 9), [128, 128, 128])            // −500 HU → 0.5
        XCTAssertEqual(pixel(2, 3), [255, 0, 255])              // lung border, inside
        XCTAssertEqual(pixel(1, 3), [255, 0, 255])              // lung border, outside
        XCTAssertEqual(pixel(0, 3), [0, 0, 0])                  // two pixels out
        XCTAssertEqual(pixel(3, 6), [128, 128, 128])            // inside, no heat
        let hot = pixel(3, 4)                                   // map 1 → red blended over black
        XCTAssertGreaterThan(hot[0], 150)
        XCTAssertEqual(hot[1], 0)
        XCTAssertEqual(hot[2], 0)
    }

    /// The combined map: red outline around the diffuse opacity (map above the Corona
    /// threshold), green around focal findings, green winning where both are.
    func testCombinedMapOutlinesDiffuseRedAndFocalGreen() throws {
        let volume = TestSupport.volume(columns: 12, rows: 12, slices: 1, spacing: [1, 1, 1]) { _, _, _ in -800 }
        let mask = [UInt8](repeating: 1, count: 144)
        var map = [Float](repeating: 0, count: 144), focal = [UInt8](repeating: 0, count: 144)
        for r in 2..<6 { for c in 2..<6 { map[r * 12 + c] = 0.9 } }     // diffuse block, top left
        for r in 7..<10 { for c in 7..<10 { focal[r * 12 + c] = 1 } }   // focal block, bottom right
        let image = Overlay.render(volume: volume, localization: map, mask: mask, slice: 0, settings: .standard, focal: focal)
        func pixel(_ r: Int, _ c: Int) -> [UInt8] { Array(image.pixels[(3 * (r * 12 + c))..<(3 * (r * 12 + c) + 3)]) }
        XCTAssertEqual(pixel(2, 2), [255, 0, 0])     // diffuse edge, inside
        XCTAssertEqual(pixel(1, 3), [255, 0, 0])     // diffuse edge, outside
        XCTAssertNotEqual(pixel(3, 3), [255, 0, 0])  // diffuse interior: heat, no outline
        XCTAssertEqual(pixel(7, 7), [0, 255, 0])     // focal edge
        XCTAssertEqual(pixel(10, 8), [0, 255, 0])    // focal edge, outside
        XCTAssertEqual(pixel(8, 8), [51, 51, 51])    // focal interior: window [−1000, 0] HU, −800 → 0.2
        // Without labels no green at all.
        let plain = Overlay.render(volume: volume, localization: map, mask: mask, slice: 0, settings: .standard)
        XCTAssertFalse(stride(from: 0, to: plain.pixels.count, by: 3).contains { plain.pixels[$0 + 1] == 255 && plain.pixels[$0] == 0 })
    }

    /// The study pictures decode through libpng with the expected sizes: one 32×32 PNG per
    /// positive slice and a montage of 256-pixel tiles.
    func testStudyPicturesDecodeWithExpectedSizes() throws {
        let (volume, region, reduction) = try ReportSchemaTests.sampleStudy()
        XCTAssertFalse(reduction.report.positiveSlices.isEmpty)
        let folder = try TestSupport.temporaryFolder("pictures")
        defer { try? FileManager.default.removeItem(at: folder) }
        try StudyOutputs.prepareFolder(folder)
        let outputs = try StudyOutputs.writePictures(
            volume: volume, region: region, localization: reduction.localization,
            report: reduction.report, settings: .standard, to: folder, overviewCount: 6)
        XCTAssertEqual(outputs.count, reduction.report.positiveSlices.count + 1)
        for k in reduction.report.positiveSlices {
            let path = try XCTUnwrap(outputs["slice \(k)"])
            let image = try PNGFile.read(folder.appendingPathComponent(path).path)
            XCTAssertEqual([image.width, image.height], [32, 32])
        }
        let overview = try PNGFile.read(folder.appendingPathComponent(StudyOutputs.overviewName).path)
        // 6 tiles, 4 per row: 2 rows of 256 plus 4-pixel gaps.
        XCTAssertEqual([overview.width, overview.height], [4 * 256 + 5 * 4, 2 * 256 + 3 * 4])
    }

    func testUnwritableOutputFolderIsRejectedUpFront() throws {
        let folder = try TestSupport.temporaryFolder("blocked")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try StudyOutputs.prepareFolder(file)) { error in
            XCTAssertTrue("\(error)".contains("not a folder"), "\(error)")
        }
        XCTAssertThrowsError(try StudyOutputs.prepareFolder(file.appendingPathComponent("sub"))) { error in
            XCTAssertTrue("\(error)".contains("cannot be written"), "\(error)")
        }
    }
}
