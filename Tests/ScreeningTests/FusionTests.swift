import Imaging
import Preparation
import Volumes
import XCTest
@testable import Screening

final class FusionTests: XCTestCase {
    /// A 224 map made of 2×4 blocks maps back exactly onto a 112×56 crop: crop pixel (r, c)
    /// samples the map at (2r + 0.5, 4c + 1.5), the centre of block (r, c).
    func testKnownMapLandsOnTheRightVoxels() throws {
        let size = VolumeSize(columns: 100, rows: 150, slices: 3)
        let crop = PixelRect(row: 10, column: 20, rows: 112, columns: 56)
        var mask = [UInt8](repeating: 0, count: size.count)
        // Lung on slice 1 inside the crop except its first 5 rows; one lung pixel outside the crop.
        for r in 15..<122 { for c in 20..<76 { mask[(1 * 150 + r) * 100 + c] = 1 } }
        mask[(1 * 150 + 140) * 100 + 90] = 1
        let region = try LungRegion(size: size, mask: mask, lungSlices: [1], roi: crop)
        var map = [Float](repeating: 0, count: 224 * 224)
        for y in 0..<224 { for x in 0..<224 { map[y * 224 + x] = Float((y / 2) * 56 + x / 4) / 10000 } }
        let result = SliceResult(
            slice: PreparedSlice(sliceIndex: 1, crop: crop, side: 224, pixels: []),
            output: SliceOutput(logit: 2, probability: 0.88, features: [], fusedMap: map),
            positiveThreshold: 0.5)
        let volume = try Fusion.localizationVolume(results: [result], region: region)
        XCTAssertEqual(volume.count, size.count)
        for k in 0..<3 {
            for r in 0..<150 {
                for c in 0..<100 {
                    let v = volume[(k * 150 + r) * 100 + c]
                    if k == 1 && r >= 15 && r < 122 && c >= 20 && c < 76 {
                        let expected = Float((r - 10) * 56 + (c - 20)) / 10000
                        XCTAssertEqual(v, expected, accuracy: 1e-6, "voxel \(k),\(r),\(c)")
                    } else {
                        XCTAssertEqual(v, 0, "voxel \(k),\(r),\(c) should be 0")
                    }
                }
            }
        }
    }

    func testNegativeSlicesContributeNothing() throws {
        let size = VolumeSize(columns: 8, rows: 8, slices: 1)
        let region = try LungRegion(size: size, mask: [UInt8](repeating: 1, count: 64))
        let result = SliceResult(
            slice: PreparedSlice(sliceIndex: 0, crop: region.roi, side: 4, pixels: []),
            output: SliceOutput(logit: -1, probability: 0.3, features: [], fusedMap: [Float](repeating: 1, count: 16)),
            positiveThreshold: 0.5)
        XCTAssertNil(result.fusedMap)
        XCTAssertEqual(try Fusion.localizationVolume(results: [result], region: region), [Float](repeating: 0, count: 64))
    }

    func testLungRegionRoundTripsThroughJSON() throws {
        let size = VolumeSize(columns: 5, rows: 4, slices: 3)
        var mask = [UInt8](repeating: 0, count: size.count)
        for i in [21, 22, 23, 27, 28, 59] { mask[i] = 1 }
        let region = try LungRegion(size: size, mask: mask)
        XCTAssertEqual(region.lungSlices, [1, 2])
        XCTAssertEqual(region.roi, PixelRect(row: 0, column: 1, rows: 4, columns: 4))
        let decoded = try JSONDecoder().decode(LungRegion.self, from: JSONEncoder().encode(region))
        XCTAssertEqual(decoded.mask, mask)
        XCTAssertEqual(decoded.lungSlices, region.lungSlices)
        XCTAssertEqual(decoded.roi, region.roi)
    }
}
