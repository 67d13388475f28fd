import Imaging
import XCTest
import Volumes
@testable import Segmentation

/// Morphology and distances against hand-counted cases and a brute-force reference.
final class MorphologyTests: XCTestCase {
    private func point(_ cols: Int, _ rows: Int, _ slices: Int, spacing: SIMD3<Double>,
                       at p: (Int, Int, Int)) -> BinaryMask {
        var m = BinaryMask(size: VolumeSize(columns: cols, rows: rows, slices: slices), spacing: spacing)
        m[p.0, p.1, p.2] = 1
        return m
    }

    func testDilatingOnePixelGivesTheDigitalDisk() {
        // Offsets with dx² + dy² ≤ 4: the centre, 4 at distance 1, 4 diagonal, 4 at distance 2.
        let m = point(11, 11, 1, spacing: [1, 1, 1], at: (0, 5, 5))
        XCTAssertEqual(Morphology.dilate(m, radius: 2, planar: true).count, 13)
        // Rows 2 mm apart: dy = ±1 only with dx = 0 → 5 + 2.
        let a = point(11, 11, 1, spacing: [1, 2, 1], at: (0, 5, 5))
        XCTAssertEqual(Morphology.dilate(a, radius: 2, planar: true).count, 7)
    }

    func testDilatingOneVoxelGivesTheDigitalBall() {
        let m = point(7, 7, 7, spacing: [1, 1, 1], at: (3, 3, 3))
        XCTAssertEqual(Morphology.dilate(m, radius: 1).count, 7)
        XCTAssertEqual(Morphology.dilate(m, radius: 2.0.squareRoot()).count, 19)
        XCTAssertEqual(Morphology.dilate(m, radius: 3.0.squareRoot()).count, 27)
        // Planar ignores the slice axis.
        XCTAssertEqual(Morphology.dilate(m, radius: 1, planar: true).count, 5)
    }

    func testErosionOfASquare() {
        var m = BinaryMask(size: VolumeSize(columns: 11, rows: 11, slices: 1), spacing: [1, 1, 1])
        for r in 2...8 { for c in 2...8 { m[0, r, c] = 1 } }
        XCTAssertEqual(Morphology.erode(m, radius: 1, planar: true).count, 25)
        XCTAssertEqual(Morphology.erode(m, radius: 1.5, planar: true).count, 25)
        XCTAssertEqual(Morphology.erode(m, radius: 2, planar: true).count, 9)
    }

    func testClosingBridgesAGapAndOutsideTheGridIsIgnored() {
        var m = BinaryMask(size: VolumeSize(columns: 9, rows: 5, slices: 1), spacing: [1, 1, 1])
        for r in 0..<5 { for c in 0..<9 where c != 4 { m[0, r, c] = 1 } }
        let closed = Morphology.close(m, radius: 1, planar: true)
        XCTAssertEqual(closed.count, 45, "a one-column gap closes, the border does not erode")
        let full = BinaryMask(size: m.size, spacing: m.spacing, voxels: [UInt8](repeating: 1, count: 45))
        XCTAssertEqual(Morphology.erode(full, radius: 3, planar: true).count, 45)
    }

    func testAgainstBruteForceOnRandomMasks() {
        var rng = SplitMix64(seed: 7)
        let size = VolumeSize(columns: 13, rows: 11, slices: 7)
        let spacing: SIMD3<Double> = [0.8, 1.1, 2.0]
        var m = BinaryMask(size: size, spacing: spacing)
        for i in 0..<size.count where rng.next() % 5 == 0 { m.voxels[i] = 1 }
        for radius in [1.0, 2.3, 3.5] {
            for planar in [false, true] {
                XCTAssertEqual(Morphology.dilate(m, radius: radius, planar: planar),
                               bruteForce(m, radius: radius, planar: planar, dilate: true), "r \(radius)")
                XCTAssertEqual(Morphology.erode(m, radius: radius, planar: planar),
                               bruteForce(m, radius: radius, planar: planar, dilate: false), "r \(radius)")
            }
            let closed = Morphology.close(m, radius: radius), opened = Morphology.open(m, radius: radius)
            XCTAssertEqual(m.subtracting(closed).count, 0, "closing is extensive")
            XCTAssertEqual(opened.subtracting(m).count, 0, "opening is anti-extensive")
        }
    }

    func testDistanceTransformAgainstBruteForce() {
        var rng = SplitMix64(seed: 3)
        let size = VolumeSize(columns: 9, rows: 8, slices: 5)
        var m = BinaryMask(size: size, spacing: [0.7, 1.3, 2.5])
        for i in 0..<size.count where rng.next() % 9 == 0 { m.voxels[i] = 1 }
        let d = DistanceTransform.squaredDistances(m, toInside: true, planar: false)
        for z in 0..<5 { for y in 0..<8 { for x in 0..<9 {
            var best = Double.infinity
            for k in 0..<5 { for r in 0..<8 { for c in 0..<9 where m[k, r, c] != 0 {
                let dx = Double(x - c) * 0.7, dy = Double(y - r) * 1.3, dz = Double(z - k) * 2.5
                best = min(best, dx * dx + dy * dy + dz * dz)
            } } }
            XCTAssertEqual(Double(d[m.index(slice: z, row: y, column: x)]), best, accuracy: 1e-3)
        } } }
    }

    /// Reference: visit every offset of the ball explicitly (outside the grid ignored).
    private func bruteForce(_ m: BinaryMask, radius: Double, planar: Bool, dilate: Bool) -> BinaryMask {
        let s = m.size, sp = m.spacing
        let rx = Int(radius / sp.x), ry = Int(radius / sp.y), rz = planar ? 0 : Int(radius / sp.z)
        var out = BinaryMask(size: s, spacing: sp)
        for z in 0..<s.slices { for y in 0..<s.rows { for x in 0..<s.columns {
            var hit = !dilate
            for dz in -rz...rz { for dy in -ry...ry { for dx in -rx...rx {
                let d2 = pow(Double(dx) * sp.x, 2) + pow(Double(dy) * sp.y, 2) + pow(Double(dz) * sp.z, 2)
                let zz = z + dz, yy = y + dy, xx = x + dx
                guard d2 <= radius * radius, zz >= 0, zz < s.slices, yy >= 0, yy < s.rows,
                      xx >= 0, xx < s.columns else { continue }
                let v = m[zz, yy, xx] != 0
                if dilate && v { hit = true }
                if !dilate && !v { hit = false }
            } } }
            out[z, y, x] = hit ? 1 : 0
        } } }
        return out
    }
}
