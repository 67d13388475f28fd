import XCTest
@testable import Volumes

final class GeometryTests: XCTestCase {
    func testPositionFollowsDirectionsAndSpacing() {
        let g = Geometry(spacing: [0.5, 0.7, 2.0], origin: [10, 20, 30],
                         rowDirection: [0, 1, 0], columnDirection: [-1, 0, 0],
                         sliceDirection: [0, 0, -1])
        XCTAssertEqual(g.position(column: 2, row: 3, slice: 4), [10 - 2.1, 20 + 1.0, 30 - 8.0])
        XCTAssertEqual(g.voxelVolume, 0.7, accuracy: 1e-12)
    }

    func testVoxelIndexIsSliceRowColumn() {
        let size = VolumeSize(columns: 4, rows: 3, slices: 2)
        var v = Volume(size: size, geometry: Geometry(spacing: [1, 1, 1], origin: .zero),
                       metadata: StudyMetadata(), voxels: Array(repeating: 0, count: size.count))
        v[1, 2, 3] = 7
        XCTAssertEqual(v.voxels[23], 7)
        XCTAssertEqual(Array(v.slice(1)).last, 7)
    }
}
