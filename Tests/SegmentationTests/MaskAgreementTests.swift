import Volumes
import XCTest
@testable import Segmentation

/// Dice and surface distances by hand on small masks.
final class MaskAgreementTests: XCTestCase {
    private func box(_ size: VolumeSize, spacing: SIMD3<Double> = [1, 1, 1], slices: Range<Int>, rows: Range<Int>,
                     columns: Range<Int>) -> BinaryMask {
        var m = BinaryMask(size: size, spacing: spacing)
        for k in slices { for r in rows { for c in columns { m[k, r, c] = 1 } } }
        return m
    }

    /// Two 4×4 squares one column apart (one slice): Dice 2·12/32; of the 24 surface voxels
    /// (12 each) half lie on the other's surface and half one pixel off it.
    func testShiftedSquaresByHand() {
        let size = VolumeSize(columns: 10, rows: 8, slices: 1)
        let a = box(size, slices: 0..<1, rows: 2..<6, columns: 2..<6)
        let b = box(size, slices: 0..<1, rows: 2..<6, columns: 3..<7)
        let m = MaskAgreement(a, reference: b)
        XCTAssertEqual(m.dice, 0.75, accuracy: 1e-12)
        XCTAssertEqual(m.hd95, 1, accuracy: 1e-6)
        XCTAssertEqual(m.meanSurfaceDistance, 0.5, accuracy: 1e-6)
        let same = MaskAgreement(a, reference: a)
        XCTAssertEqual([same.dice, same.hd95, same.meanSurfaceDistance], [1, 0, 0])
    }

    /// Spacing counts: a cube shifted by one slice of 5 mm is 5 mm off on its top and bottom.
    func testSpacingIsInMillimetres() {
        let size = VolumeSize(columns: 12, rows: 12, slices: 12)
        let a = box(size, spacing: [0.5, 0.5, 5], slices: 2..<8, rows: 2..<8, columns: 2..<8)
        let b = box(size, spacing: [0.5, 0.5, 5], slices: 3..<9, rows: 2..<8, columns: 2..<8)
        let m = MaskAgreement(a, reference: b)
        XCTAssertEqual(m.dice, 2 * 5.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(m.hd95, 5, accuracy: 1e-4, "the largest distance is one slice")
        XCTAssertLessThan(m.meanSurfaceDistance, 5)
    }

    func testAnEmptyMaskIsInfinitelyFar() {
        let size = VolumeSize(columns: 6, rows: 6, slices: 1)
        let m = MaskAgreement(BinaryMask(size: size, spacing: [1, 1, 1]),
                              reference: box(size, slices: 0..<1, rows: 1..<4, columns: 1..<4))
        XCTAssertEqual(m.dice, 0)
        XCTAssertEqual(m.hd95, .infinity)
    }
}
