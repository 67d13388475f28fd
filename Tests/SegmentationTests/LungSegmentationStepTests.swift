import Phantom
import XCTest
import Volumes
@testable import Segmentation

/// Single steps of the lung segmentation: airway removal and the split of touching lungs.
final class LungSegmentationStepTests: XCTestCase {
    /// The phantom's trachea runs at x = 0, y = 20 mm above the carina (z = 35 mm).
    func testTracheaIsRemovedAndOnlyByTheAirwayStep() throws {
        let phantom = PhantomGenerator.make(.small(seed: 4))
        let g = phantom.volume.geometry
        let column = Int(((0 - g.origin.x) / g.spacing.x).rounded())
        let row = Int(((20 - g.origin.y) / g.spacing.y).rounded())
        let slices = (0..<phantom.volume.size.slices).filter {
            let z = g.position(column: 0, row: 0, slice: Double($0)).z
            return z > 45 && z < 95
        }
        XCTAssertFalse(slices.isEmpty)
        for k in slices { XCTAssertLessThan(phantom.volume[k, row, column], -900, "lumen at slice \(k)") }
        let lungs = try LungSegmenter().segment(phantom.volume)
        for k in slices { XCTAssertEqual(lungs.mask[k, row, column], 0, "trachea in the mask at slice \(k)") }
        var keep = LungSegmentationSettings()
        keep.removeAirways = false
        let withAirways = try LungSegmenter(settings: keep).segment(phantom.volume)
        XCTAssertTrue(slices.allSatisfy { withAirways.mask[$0, row, column] != 0 },
                      "without the airway step the trachea joins the lungs")
    }

    /// One component across the midline is closed as two halves, so the gap between the
    /// halves' outer edges is not bridged across the midline.
    func testTouchingLungsAreSplitAtTheBodyMidline() {
        let size = VolumeSize(columns: 20, rows: 5, slices: 2)
        var lungs = BinaryMask(size: size, spacing: [1, 1, 1])
        var body = BinaryMask(size: size, spacing: [1, 1, 1], voxels: [UInt8](repeating: 1, count: size.count))
        for k in 0..<2 { for r in 1..<4 { for c in 3..<17 { lungs[k, r, c] = 1 } } }
        body[0, 0, 0] = 1
        let parts = LungSegmenter.split(lungs, body: body)
        XCTAssertEqual(parts.count, 2)
        // Body midline = column 9.5: columns 3...9 on one side, 10...16 on the other.
        XCTAssertEqual(parts[0].count, 2 * 3 * 7)
        XCTAssertEqual(parts[1].count, 2 * 3 * 7)
        XCTAssertEqual(parts[0].intersection(parts[1]).count, 0)
        XCTAssertEqual(parts[0].union(parts[1]), lungs)
    }
}
