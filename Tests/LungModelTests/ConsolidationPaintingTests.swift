import Imaging
import XCTest
@testable import LungModel

/// Painted opacities stay inside the lung, touch its edge, and are dense; nothing else changes.
final class ConsolidationPaintingTests: XCTestCase {
    func testPaintStaysInTheLungAndIsDense() {
        let rows = 64, columns = 64
        var lung = [UInt8](repeating: 0, count: rows * columns)
        for r in 12..<52 { for c in 10..<30 { lung[r * columns + c] = 1 } }
        let original = [Int16](repeating: -850, count: rows * columns)
        var hu = original
        var rng = SplitMix64(seed: 4)
        ConsolidationPainting.paint(&hu, lung: lung, rows: rows, columns: columns, spacing: 1, blobs: 3, rng: &rng)
        let changed = hu.indices.filter { hu[$0] != original[$0] }
        XCTAssertFalse(changed.isEmpty)
        XCTAssertTrue(changed.allSatisfy { lung[$0] != 0 }, "nothing painted outside the lung")
        XCTAssertGreaterThan(changed.map { Int(hu[$0]) }.max() ?? -1000, -500, "some of it dense")
        let edge = changed.contains { i in
            let r = i / columns, c = i % columns
            return r == 12 || r == 51 || c == 10 || c == 29
        }
        XCTAssertTrue(edge, "anchored on the pleura")
        var none = original
        ConsolidationPainting.paint(&none, lung: [UInt8](repeating: 0, count: rows * columns), rows: rows, columns: columns,
                                    spacing: 1, blobs: 3, rng: &rng)
        XCTAssertEqual(none, original, "no lung, no paint")
    }
}
