import Foundation
import Imaging
import Segmentation
import XCTest
@testable import Datasets

/// Lesion pasting and the turning of sideways sets, on small hand-made images.
final class LesionPasteTests: XCTestCase {
    /// 2×3 image 0 1 2 / 3 4 5: a spine-left slice turns anticlockwise (its left column
    /// 0,3 becomes the bottom row), a spine-right one clockwise (5,2 becomes the bottom row).
    func testSidewaysSlicesTurnUpright() {
        let image = GrayImage(width: 3, height: 2, pixels: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(SliceOrientation.spineLeft.upright(image), GrayImage(width: 2, height: 3, pixels: [2, 5, 1, 4, 0, 3]))
        XCTAssertEqual(SliceOrientation.spineRight.upright(image), GrayImage(width: 2, height: 3, pixels: [3, 0, 4, 1, 5, 2]))
        XCTAssertEqual(SliceOrientation.upright.upright(image), image)
        XCTAssertEqual(SliceOrientation.covid19CTSeg(file: "/x/Data-1_coronacases_org_001_10.jpg"), .spineLeft)
        XCTAssertEqual(SliceOrientation.covid19CTSeg(file: "/x/Data-1_radiopaedia_org_covid-19-pneumonia-4_85506_1-dcm_3.png"), .spineRight)
        XCTAssertEqual(SliceOrientation.covid19CTSeg(file: "/x/1%0.jpg"), .upright)
    }

    /// Target 8×8: left half lung (0.2), right half tissue (0.8). Donor: left half lung
    /// (0.05), right half tissue (0.4), a lesion (0.2) in rows 2…3, columns 2…5. The donor's
    /// levels map onto the target's: 0.2 + (0.2 − 0.05)·(0.8 − 0.2)/(0.4 − 0.05) ≈ 0.457,
    /// pasted where the mask meets the target's lung only (columns 2…3: 4 pixels). Mirrored,
    /// the mask covers columns 2…5 again (symmetric), the same 4 pixels change.
    func testLesionGoesIntoTheLungWithTheTargetsLevels() {
        let side = 8
        var target = [Float](repeating: 0, count: 64), donorPixels = target, mask = [Bool](repeating: false, count: 64)
        for r in 0..<side {
            for c in 0..<side {
                target[r * side + c] = c < 4 ? 0.2 : 0.8
                donorPixels[r * side + c] = c < 4 ? 0.05 : 0.4
            }
        }
        for r in 2...3 { for c in 2...5 { mask[r * side + c] = true; donorPixels[r * side + c] = 0.2 } }
        let donor = LesionPaste.Donor(pixels: donorPixels, mask: mask, levels: LesionPaste.levels(donorPixels))
        XCTAssertEqual(donor.levels.lung, (0.05 * 28 + 0.2 * 8) / 36, accuracy: 1e-6, "the 8 lesion pixels count as lung here")
        for mirrored in [false, true] {
            var pasted = target
            let changed = LesionPaste.paste(donor, into: &pasted, side: side, mirrored: mirrored)
            XCTAssertEqual(changed, 4)
            let to = LesionPaste.levels(target), from = donor.levels
            let expected = to.lung + (0.2 - from.lung) * (to.tissue - to.lung) / (from.tissue - from.lung)
            for i in 0..<64 {
                let inLesion = mask[i] && i % side < 4
                XCTAssertEqual(pasted[i], inLesion ? expected : target[i], accuracy: 1e-6, "pixel \(i)")
            }
        }
    }

    /// A lesion darker than what is already there changes nothing.
    func testDarkerLesionLeavesTheTarget() {
        let target = [Float](repeating: 0.3, count: 16).enumerated().map { $0.offset % 4 < 2 ? 0.3 : 0.9 } as [Float]
        let donor = LesionPaste.Donor(pixels: [Float](repeating: 0, count: 16), mask: [Bool](repeating: true, count: 16),
                                      levels: (0.1, 0.5))
        var pasted = target
        XCTAssertEqual(LesionPaste.paste(donor, into: &pasted, side: 4, mirrored: false), 0)
        XCTAssertEqual(pasted, target)
    }

    /// `apply` pastes with its probability, and only a lesion of `minimumPixels` or more:
    /// 20×20 slices with lung in the six outer columns on each side; a 16×4 lesion (64 pixels)
    /// goes in, mirrored or not; a 2×4 one (8 pixels) leaves the image as it was.
    /// 20×20 slices with lung in the six outer columns on each side, and a donor whose lesion
    /// fills `lesionRows` of columns 2–5.
    private static let side = 20
    private static func images(lesionRows: Range<Int>) -> (target: [Float], donor: LesionPaste.Donor) {
        var target = [Float](repeating: 0, count: side * side), pixels = target
        var mask = [Bool](repeating: false, count: side * side)
        for r in 0..<side {
            for c in 0..<side {
                let lung = c < 6 || c >= side - 6
                target[r * side + c] = lung ? 0.2 : 0.8
                pixels[r * side + c] = lung ? 0.05 : 0.4
                if lesionRows.contains(r) && (2..<6).contains(c) { mask[r * side + c] = true; pixels[r * side + c] = 0.2 }
            }
        }
        return (target, LesionPaste.Donor(pixels: pixels, mask: mask, levels: LesionPaste.levels(pixels)))
    }

    func testApplyPastesOnlyWholeLesions() {
        let side = Self.side
        var rng = SplitMix64(seed: 3)
        let (big, bigDonor) = Self.images(lesionRows: 2..<18)
        for _ in 0..<4 {
            var pasted = big
            XCTAssertTrue(LesionPaste(donors: [bigDonor], probability: 1).apply(to: &pasted, side: side, using: &rng))
            XCTAssertEqual(zip(big, pasted).filter { $0 != $1 }.count, 64)
        }
        var untouched = big
        XCTAssertFalse(LesionPaste(donors: [bigDonor], probability: 1e-9).apply(to: &untouched, side: side, using: &rng))
        XCTAssertEqual(untouched, big)
        let (small, smallDonor) = Self.images(lesionRows: 2..<4)
        var tried = small
        XCTAssertFalse(LesionPaste(donors: [smallDonor], probability: 1).apply(to: &tried, side: side, using: &rng))
        XCTAssertEqual(tried, small, "a lesion below the minimum is not pasted")
    }

    /// `applyReturningMask` marks exactly the pixels the paste changed (the lesion the image
    /// shows, for the CAM loss) and draws from the generator exactly like `apply`.
    func testReturnedMaskIsWhatChanged() {
        let side = Self.side
        let (target, donor) = Self.images(lesionRows: 2..<18)
        let paste = LesionPaste(donors: [donor], probability: 0.6)
        var a = SplitMix64(seed: 8), b = SplitMix64(seed: 8)
        var pastedSome = false
        for _ in 0..<6 {
            var withMask = target, plain = target
            let m = paste.applyReturningMask(to: &withMask, side: side, using: &a)
            XCTAssertEqual(m != nil, paste.apply(to: &plain, side: side, using: &b))
            XCTAssertEqual(withMask, plain)
            XCTAssertEqual(a.next(), b.next(), "same draws")
            if let m {
                pastedSome = true
                XCTAssertEqual(m, zip(target, withMask).map { $0 != $1 })
                XCTAssertEqual(m.filter { $0 }.count, 64)
            }
        }
        XCTAssertTrue(pastedSome)
    }
}
