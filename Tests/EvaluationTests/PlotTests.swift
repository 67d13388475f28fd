import XCTest
@testable import Evaluation

final class PlotTests: XCTestCase {
    func testCurveAndDiagonalLandWhereExpected() {
        // A perfect classifier: (0,0) → (0,1) → (1,1), i.e. up the left axis then along the top.
        let img = ROCPlot.render([.init(label: "AUC 1.000", points: [[0, 0], [0, 1], [1, 1]])], side: 400)
        let (left, top, size) = ROCPlot.frame(side: 400)
        let blue = ROCPlot.palette[0]
        // The curve's top segment at mid-width.
        let p = img.pixel(x: left + size / 2, y: top)
        XCTAssertTrue(p == blue, "\(p)")
        // The diagonal (grey dashes) passes through the centre region; the lower right
        // corner of the plot area away from the legend is background or grid, never blue.
        let mid = (0...12).map { img.pixel(x: left + size / 2 + $0 - 6, y: top + size / 2 - $0 + 6) }
        XCTAssertTrue(mid.contains { $0 == (150, 150, 150) })
        XCTAssertFalse(img.pixel(x: left + size / 3, y: top + size / 2) == blue)
    }

    func testFontDrawsKnownGlyph() {
        var img = RasterImage(width: 20, height: 20)
        img.text("1", x: 0, y: 0, scale: 1, (0, 0, 0))
        // "1" row 0 is 00100: only column 2 is set; row 6 is 01110.
        XCTAssertTrue(img.pixel(x: 2, y: 0) == (0, 0, 0))
        XCTAssertTrue(img.pixel(x: 1, y: 0) == (255, 255, 255))
        XCTAssertTrue((1...3).allSatisfy { img.pixel(x: $0, y: 6) == (0, 0, 0) })
        XCTAssertTrue(img.pixel(x: 0, y: 6) == (255, 255, 255))
    }
}
