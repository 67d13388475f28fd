import XCTest
import Volumes
@testable import Segmentation

final class ComponentsTests: XCTestCase {
    private func mask(_ cols: Int, _ rows: Int, _ slices: Int, _ points: [(Int, Int, Int)]) -> BinaryMask {
        var m = BinaryMask(size: VolumeSize(columns: cols, rows: rows, slices: slices), spacing: [1, 1, 1])
        for p in points { m[p.0, p.1, p.2] = 1 }
        return m
    }

    func testDiagonalPixelsIn2D() {
        let m = mask(4, 4, 1, [(0, 0, 0), (0, 1, 1), (0, 3, 3)])
        XCTAssertEqual(ConnectedComponents.label(m, connectivity: .face).count, 3)
        let full = ConnectedComponents.label(m, connectivity: .full)
        XCTAssertEqual(full.count, 2)
        XCTAssertEqual(full.sizes, [2, 1])
    }

    func testCornerNeighboursIn3D() {
        let m = mask(4, 4, 4, [(0, 0, 0), (1, 1, 1), (2, 2, 2), (0, 3, 3)])
        XCTAssertEqual(ConnectedComponents.label(m, connectivity: .face).count, 4)
        let full = ConnectedComponents.label(m, connectivity: .full)
        XCTAssertEqual(full.count, 2)
        XCTAssertEqual(full.labels[m.index(slice: 2, row: 2, column: 2)], full.labels[0])
    }

    func testPlanarLabelsEachSlice() {
        let m = mask(2, 2, 3, [(0, 0, 0), (1, 0, 0), (2, 0, 0)])
        XCTAssertEqual(ConnectedComponents.label(m).count, 1)
        XCTAssertEqual(ConnectedComponents.label(m, planar: true).count, 3)
    }

    func testLargestKeepsTheBiggestComponents() {
        // Sizes 3, 1, 2 along a row with gaps.
        let m = mask(9, 1, 1, [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 0, 4), (0, 0, 6), (0, 0, 7)])
        let comps = ConnectedComponents.label(m)
        XCTAssertEqual(comps.sizes, [3, 1, 2])
        XCTAssertEqual(comps.labelsBySize, [1, 3, 2])
        XCTAssertEqual(ConnectedComponents.largest(m, count: 2).voxels, [1, 1, 1, 0, 0, 0, 1, 1, 0])
    }

    func testHoleFillingPerSliceAndIn3D() {
        // A 5×5×5 hollow cube with an open top face: a cup.
        var cup = BinaryMask(size: VolumeSize(columns: 5, rows: 5, slices: 5), spacing: [1, 1, 1])
        for z in 0..<5 { for y in 0..<5 { for x in 0..<5 {
            let wall = x == 0 || x == 4 || y == 0 || y == 4 || z == 0
            if wall { cup[z, y, x] = 1 }
        } } }
        // Per slice every ring encloses its 3×3 inside; in 3D the cup is open at the top.
        XCTAssertEqual(HoleFilling.fillPerSlice(cup).count, 125)
        XCTAssertEqual(HoleFilling.fill3D(cup).count, cup.count)
        // Put a lid on it: now a closed cavity of 3×3×3.
        var box = cup
        for y in 0..<5 { for x in 0..<5 { box[4, y, x] = 1 } }
        XCTAssertEqual(HoleFilling.fill3D(box).count, box.count + 27)
    }
}
