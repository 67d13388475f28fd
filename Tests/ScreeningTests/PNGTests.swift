import Foundation
import Preparation
import Volumes
import XCTest
@testable import Screening

final class PNGTests: XCTestCase {
    private func backdrop(_ volume: Volume) -> [UInt8] {
        SliceBackdrops(volume: volume, slices: [0], settings: .standard).planes[0]!
    }

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
        let image = Overlay.render(backdrop: backdrop(volume), size: volume.size, localization: map, mask: mask, slice: 0,
                                   settings: .standard)
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
        let image = Overlay.render(backdrop: backdrop(volume), size: volume.size, localization: map, mask: mask, slice: 0,
                                   settings: .standard, focal: focal)
        func pixel(_ r: Int, _ c: Int) -> [UInt8] { Array(image.pixels[(3 * (r * 12 + c))..<(3 * (r * 12 + c) + 3)]) }
        XCTAssertEqual(pixel(2, 2), [255, 0, 0])     // diffuse edge, inside
        XCTAssertEqual(pixel(1, 3), [255, 0, 0])     // diffuse edge, outside
        XCTAssertNotEqual(pixel(3, 3), [255, 0, 0])  // diffuse interior: heat, no outline
        XCTAssertEqual(pixel(7, 7), [0, 255, 0])     // focal edge
        XCTAssertEqual(pixel(10, 8), [0, 255, 0])    // focal edge, outside
        XCTAssertEqual(pixel(8, 8), [51, 51, 51])    // focal interior: window [−1000, 0] HU, −800 → 0.2
        // Without labels no green at all.
        let plain = Overlay.render(backdrop: backdrop(volume), size: volume.size, localization: map, mask: mask, slice: 0,
                                   settings: .standard)
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
        let drawn = StudyOutputs.drawnSlices(report: reduction.report, focal: nil, overviewCount: 6)
        let outputs = try StudyOutputs.writePictures(
            backdrops: SliceBackdrops(volume: volume, slices: drawn.slices + drawn.overview, settings: .standard),
            size: volume.size, region: region, localization: reduction.localization,
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

    /// Pictures need a backdrop for every slice they show: a missing one is an error naming
    /// the slice, never a black picture.
    func testPicturesWithoutTheirBackdropAreRefused() throws {
        let (volume, region, reduction) = try ReportSchemaTests.sampleStudy()
        let folder = try TestSupport.temporaryFolder("pictures")
        defer { try? FileManager.default.removeItem(at: folder) }
        try StudyOutputs.prepareFolder(folder)
        let drawn = StudyOutputs.drawnSlices(report: reduction.report, focal: nil)
        let missing = try XCTUnwrap(drawn.slices.first)
        let backdrops = SliceBackdrops(volume: volume, slices: (drawn.slices + drawn.overview).filter { $0 != missing },
                                       settings: .standard)
        XCTAssertThrowsError(try StudyOutputs.writePictures(
            backdrops: backdrops, size: volume.size, region: region, localization: reduction.localization,
            report: reduction.report, settings: .standard, to: folder)) { error in
            XCTAssertTrue("\(error)".contains("no backdrop for slice \(missing)"), "\(error)")
        }
    }

    /// Backdrops are the lung window × 255, rounded: −1350 HU → 0, −600 → 127.5 → 128,
    /// 150 → 255, beyond the window clamped; slices outside the volume are left out.
    func testBackdropsAreTheRoundedLungWindow() throws {
        let values: [Int16] = [-2000, -1350, -600, 150, 3000, -1050]
        let volume = TestSupport.volume(columns: 3, rows: 2, slices: 2, spacing: [1, 1, 1]) { k, r, c in
            values[r * 3 + c] + Int16(k)
        }
        var settings = ScreeningSettings.standard
        settings.windowLowHU = -1350
        settings.windowHighHU = 150
        let backdrops = SliceBackdrops(volume: volume, slices: [0, 7], settings: settings)
        XCTAssertEqual(Array(backdrops.planes.keys), [0])
        // −1050 → 300/1500 × 255 = 51.
        XCTAssertEqual(try backdrops.plane(0), [0, 0, 128, 255, 255, 51])
        XCTAssertThrowsError(try backdrops.plane(1))
        XCTAssertThrowsError(try SliceBackdrops(columns: 3, rows: 2, planes: [0: [1, 2, 3]]))
    }

    /// In-memory PNGs (the cluster's backdrops) round-trip exactly; bytes that are not a PNG,
    /// or a PNG of other dimensions than expected, are refused before pixels are allocated.
    func testInMemoryPNGRoundTripsAndRefusesOtherSizes() throws {
        let pixels = (0..<(9 * 4)).map { UInt8(($0 * 53) % 256) }
        let image = PNGFile.Image(width: 9, height: 4, channels: 1, pixels: pixels)
        let bytes = try PNGFile.encode(image)
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertEqual(try PNGFile.decode(bytes, width: 9, height: 4, channels: 1, what: "t"), image)
        XCTAssertThrowsError(try PNGFile.decode(bytes, width: 4, height: 9, channels: 1, what: "t")) { error in
            XCTAssertTrue("\(error)".contains("9 × 4 pixels, not 4 × 9"), "\(error)")
        }
        XCTAssertThrowsError(try PNGFile.decode(Array(bytes.prefix(20)), width: 9, height: 4, channels: 1, what: "t"))
        XCTAssertThrowsError(try PNGFile.decode([1, 2, 3], width: 9, height: 4, channels: 1, what: "blob 7")) { error in
            XCTAssertTrue("\(error)".contains("blob 7: not a PNG"), "\(error)")
        }
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
