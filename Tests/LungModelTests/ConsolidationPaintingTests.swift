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
        let covered = ConsolidationPainting.paint(&hu, lung: lung, rows: rows, columns: columns, spacing: 1, blobs: 3, rng: &rng)
        let changed = hu.indices.filter { hu[$0] != original[$0] }
        // The pixels reported as covered are painted ones, and every pixel brought from −850 HU
        // above −100 HU (only a blend weight over ½ towards a dense level gets there) is one.
        XCTAssertFalse(covered.isEmpty)
        XCTAssertEqual(covered, covered.sorted())
        XCTAssertTrue(Set(covered).isSubset(of: Set(changed)))
        XCTAssertTrue(hu.indices.filter { hu[$0] > -100 }.allSatisfy { Set(covered).contains($0) },
                      "strongly painted pixels are reported")
        XCTAssertFalse(changed.isEmpty)
        XCTAssertTrue(changed.allSatisfy { lung[$0] != 0 }, "nothing painted outside the lung")
        XCTAssertGreaterThan(changed.map { Int(hu[$0]) }.max() ?? -1000, -500, "some of it dense")
        let edge = changed.contains { i in
            let r = i / columns, c = i % columns
            return r == 12 || r == 51 || c == 10 || c == 29
        }
        XCTAssertTrue(edge, "anchored on the pleura")
        var none = original
        let noneCovered = ConsolidationPainting.paint(&none, lung: [UInt8](repeating: 0, count: rows * columns), rows: rows, columns: columns,
                                    spacing: 1, blobs: 3, rng: &rng)
        XCTAssertEqual(none, original, "no lung, no paint")
        XCTAssertEqual(noneCovered, [])
    }
}
