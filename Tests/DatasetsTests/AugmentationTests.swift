import Imaging
import XCTest
import Segmentation
@testable import Datasets

final class AugmentationTests: XCTestCase {
    /// 4 wide × 3 high, pixel value = 10·row + column (scaled to stay distinct).
    private func ramp() -> GrayImage {
        GrayImage(width: 4, height: 3, pixels: (0..<12).map { Float(10 * ($0 / 4) + $0 % 4) / 100 })
    }

    func testFlipMovesKnownPixel() {
        var img = GrayImage(width: 5, height: 2, pixels: [Float](repeating: 0, count: 10))
        img[1, 1] = 1
        let f = Augmentation.flipHorizontal(img)
        XCTAssertEqual(f[1, 3], 1)
        XCTAssertEqual(f.pixels.reduce(0, +), 1)
        XCTAssertEqual(Augmentation.flipHorizontal(f), img)
    }

    func testRightAngleRotationsMovePixelsExactly() {
        // 3×3, one bright pixel at the right-middle (row 1, column 2).
        var img = GrayImage(width: 3, height: 3, pixels: [Float](repeating: 0, count: 9))
        img[1, 2] = 1
        // Anticlockwise as displayed: right-middle → top-middle.
        let r90 = Augmentation.rotate(img, degrees: 90)
        XCTAssertEqual(r90[0, 1], 1, accuracy: 1e-6)
        XCTAssertEqual(r90.pixels.reduce(0, +), 1, accuracy: 1e-6)
        // Clockwise: right-middle → bottom-middle; 180°: → left-middle.
        XCTAssertEqual(Augmentation.rotate(img, degrees: -90)[2, 1], 1, accuracy: 1e-6)
        XCTAssertEqual(Augmentation.rotate(img, degrees: 180)[1, 0], 1, accuracy: 1e-6)
        XCTAssertEqual(Augmentation.rotate(ramp(), degrees: 0), ramp())
    }

    func testRotationFillsCornersWithZero() {
        let ones = GrayImage(width: 9, height: 9, pixels: [Float](repeating: 1, count: 81))
        let r = Augmentation.rotate(ones, degrees: 45)
        XCTAssertEqual(r[0, 0], 0)          // corner comes from outside the image
        XCTAssertEqual(r[4, 4], 1, accuracy: 1e-6)  // centre stays
    }

    func testCropTakesTheNamedWindow() {
        let c = Augmentation.crop(ramp(), row: 1, column: 2, rows: 2, columns: 2)
        XCTAssertEqual(c.width, 2)
        XCTAssertEqual(c.height, 2)
        XCTAssertEqual(c.pixels, [0.12, 0.13, 0.22, 0.23])
    }

    func testApplyOrderIsRotateCropFlip() {
        let d = Augmentation.Draw(rotationDegrees: 0, flip: true, cropRow: 0, cropColumn: 1, cropRows: 3, cropColumns: 3)
        // Crop columns 1…3, then mirror: row 0 becomes [0.03, 0.02, 0.01].
        let out = Augmentation.apply(d, to: ramp())
        XCTAssertEqual(Array(out.pixels[0..<3]), [0.03, 0.02, 0.01])
    }

    func testDrawsAreSeededAndInRange() throws {
        let aug = Augmentation(maxRotationDegrees: 10, flipProbability: 0.5, minCropFraction: 0.8)
        try aug.validate()
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        let drawsA = (0..<200).map { _ in aug.draw(width: 100, height: 50, using: &a) }
        let drawsB = (0..<200).map { _ in aug.draw(width: 100, height: 50, using: &b) }
        XCTAssertEqual(drawsA, drawsB)
        for d in drawsA {
            XCTAssertLessThanOrEqual(abs(d.rotationDegrees), 10)
            XCTAssertTrue((80...100).contains(d.cropColumns), "\(d)")
            XCTAssertTrue((40...50).contains(d.cropRows), "\(d)")
            XCTAssertLessThanOrEqual(d.cropColumn + d.cropColumns, 100)
            XCTAssertLessThanOrEqual(d.cropRow + d.cropRows, 50)
        }
        let flips = drawsA.filter(\.flip).count
        XCTAssertTrue((70...130).contains(flips), "\(flips) flips of 200")
        XCTAssertThrowsError(try Augmentation(minCropFraction: 0).validate())
    }
}
