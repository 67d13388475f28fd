import Imaging
import Preparation
import Volumes
import XCTest
@testable import Screening

final class PreparationTests: XCTestCase {
    /// Hand-made 4×6 slice, crop rows 1..<3 × columns 1..<5, resized to 4×4.
    func testWindowCropResizeOnHandMadeSlice() throws {
        let crop: [[Int16]] = [[-1000, -500, 0, 500], [-750, -250, -1500, -100]]
        let volume = TestSupport.volume(columns: 6, rows: 4, slices: 1, spacing: [1, 1, 1]) { _, r, c in
            (1...2).contains(r) && (1...4).contains(c) ? crop[r - 1][c - 1] : 3000
        }
        var settings = ScreeningSettings()
        settings.inputSize = 4
        let rect = PixelRect(row: 1, column: 1, rows: 2, columns: 4)
        let prepared = try SlicePreparation.prepare(volume: volume, sliceIndex: 0, crop: rect, settings: settings)
        // Window: [0, .5, 1, 1] and [.25, .75, 0, .9]. Rows 2 → 4 with half-pixel centres sample
        // source rows −0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1); columns 4 → 4 identity.
        let row0: [Float] = [0, 0.5, 1, 1], row1: [Float] = [0.25, 0.75, 0, 0.9]
        let mix = { (f: Float) in zip(row0, row1).map { (1 - f) * $0 + f * $1 } }
        let expected = row0 + mix(0.25) + mix(0.75) + row1
        XCTAssertEqual(prepared.pixels.count, 16)
        for (got, want) in zip(prepared.pixels, expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        XCTAssertEqual(prepared.crop, rect)
        XCTAssertEqual(prepared.sliceIndex, 0)
    }

    func testNormalisedBatchIsThreeChannelsWithImageNetStatistics() throws {
        var settings = ScreeningSettings()
        settings.inputSize = 2
        let a = PreparedSlice(sliceIndex: 3, crop: PixelRect(row: 0, column: 0, rows: 2, columns: 2),
                              side: 2, pixels: [0, 0.5, 1, 0.25])
        let b = PreparedSlice(sliceIndex: 4, crop: a.crop, side: 2, pixels: [1, 1, 1, 1])
        let batch = try SlicePreparation.normalisedBatch([a, b], settings: settings)
        XCTAssertEqual(batch.count, 2 * 3 * 4)
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        for ch in 0..<3 {
            for i in 0..<4 {
                XCTAssertEqual(batch[ch * 4 + i], (a.pixels[i] - mean[ch]) / std[ch], accuracy: 1e-6)
                XCTAssertEqual(batch[12 + ch * 4 + i], (1 - mean[ch]) / std[ch], accuracy: 1e-6)
            }
        }
        XCTAssertEqual(batch[4], (0 - 0.456) / 0.224, accuracy: 1e-6)
    }

    /// A column ramp of HU across a 224-wide crop maps 1:1 and a constant slice stays constant.
    func testDefaultSizeKeepsIdentityAndConstants() throws {
        let volume = TestSupport.volume(columns: 230, rows: 224, slices: 1, spacing: [1, 1, 1]) { _, _, c in
            Int16(-1000 + 4 * c)
        }
        let rect = PixelRect(row: 0, column: 3, rows: 224, columns: 224)
        let prepared = try SlicePreparation.prepare(volume: volume, sliceIndex: 0, crop: rect, settings: .standard)
        XCTAssertEqual(prepared.pixels.count, 224 * 224)
        for c in [0, 100, 223] {
            let hu = Float(-1000 + 4 * (c + 3))
            XCTAssertEqual(prepared.pixels[50 * 224 + c], min(max((hu + 1000) / 1000, 0), 1), accuracy: 1e-6)
        }
    }

    func testCropOutsideTheSliceIsRejected() {
        let volume = TestSupport.volume(columns: 8, rows: 8, slices: 2, spacing: [1, 1, 1]) { _, _, _ in 0 }
        XCTAssertThrowsError(try SlicePreparation.prepare(
            volume: volume, sliceIndex: 0, crop: PixelRect(row: 4, column: 4, rows: 5, columns: 2), settings: .standard))
        XCTAssertThrowsError(try SlicePreparation.prepare(
            volume: volume, sliceIndex: 2, crop: PixelRect(row: 0, column: 0, rows: 2, columns: 2), settings: .standard))
    }

    /// The resize convention matches the engine fixtures' Grad-CAM upsampling
    /// (independent JAX implementation, half-pixel centres).
    func testBilinearMatchesFixtureUpsampling() throws {
        let url = TestSupport.sharedFolder.appendingPathComponent("fixtures/resnet50-gradcam/case_b.safetensors")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("fixture not found at \(url.path)")
        }
        let tensors = try TestSupport.safetensors(url)
        for (name, n) in [("cam28", 28), ("cam14", 14)] {
            let cam = try XCTUnwrap(tensors[name]), reference = try XCTUnwrap(tensors[name + "_up"])
            let up = Bilinear.resize(cam, rows: n, columns: n, outRows: 224, outColumns: 224)
            let worst = zip(up, reference).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThan(worst, 1e-6, name)
        }
    }
}
