import Foundation
import Imaging
import XCTest
@testable import Datasets

/// Erasing a masked lesion, on a hand-made slice: tissue (0.9) around a square lung (0.2 with
/// noise of spread 0.02), a round lesion (0.5) in the middle of the lung and one against the
/// chest wall, each masked one pixel short of its rim (as model-made masks are).
final class LesionEraseTests: XCTestCase {
    static let side = 64, lungLevel: Float = 0.2, noise: Float = 0.02

    /// The slice, its mask, and the pixels of each lesion (its full disc, rim included).
    static func slice() -> (pixels: [Float], mask: [Bool], middle: [Int], wall: [Int]) {
        var rng = SplitMix64(seed: 5)
        var pixels = [Float](repeating: 0.9, count: side * side), mask = [Bool](repeating: false, count: side * side)
        var middle: [Int] = [], wall: [Int] = []
        for r in 8..<56 { for c in 8..<56 { pixels[r * side + c] = lungLevel + noise * Float(rng.gaussian()) } }
        for (centre, list) in [((24, 24), 0), ((44, 13), 1)] {
            for r in 0..<side {
                for c in 0..<side {
                    let d2 = (r - centre.0) * (r - centre.0) + (c - centre.1) * (c - centre.1)
                    guard d2 <= 25, c >= 8 else { continue }  // radius 5, never into the wall at c < 8
                    pixels[r * side + c] = 0.5
                    if list == 0 { middle.append(r * side + c) } else { wall.append(r * side + c) }
                    if d2 <= 16 { mask[r * side + c] = true }  // the mask misses the rim
                }
            }
        }
        return (pixels, mask, middle, wall)
    }

    static func mean(_ v: [Float], _ at: [Int]) -> Float { at.map { v[$0] }.reduce(0, +) / Float(at.count) }

    /// Both lesions, rims included, become lung at the lung's level and spread; the wall
    /// lesion's fill does not take the wall's brightness; every pixel outside the mask grown by
    /// the margin, and every wall pixel inside it, is as it was.
    func testLesionBecomesLungAndNothingElseChanges() {
        let (original, mask, middle, wall) = Self.slice()
        var pixels = original
        var rng = SplitMix64(seed: 1)
        XCTAssertTrue(LesionErase.erase(&pixels, mask: mask, side: Self.side, margin: 3, using: &rng))
        for (name, lesion) in [("middle", middle), ("wall", wall)] {
            XCTAssertEqual(Self.mean(pixels, lesion), Self.lungLevel, accuracy: 0.01, name)
            XCTAssertLessThan(lesion.map { pixels[$0] }.max()!, Self.lungLevel + 5 * Self.noise, "\(name): no lesion pixel left")
            let m = Self.mean(pixels, lesion)
            let spread = (lesion.map { (pixels[$0] - m) * (pixels[$0] - m) }.reduce(0, +) / Float(lesion.count)).squareRoot()
            XCTAssertEqual(spread, Self.noise, accuracy: 0.4 * Self.noise, "\(name): the lung's texture, not a flat patch")
        }
        let grown = LesionErase.dilated(mask, side: Self.side, radius: 3)
        for i in 0..<pixels.count where !grown[i] || original[i] == 0.9 {
            XCTAssertEqual(pixels[i], original[i], "pixel \(i) (row \(i / Self.side), column \(i % Self.side))")
        }
        XCTAssertTrue((0..<pixels.count).contains { grown[$0] && original[$0] == 0.9 }, "the grown mask reaches the wall")
    }

    /// With the wall taken as a boundary value (the plain harmonic fill) the wall lesion comes
    /// out as haze: what the test above guards against.
    func testPlainFillFromTheWallLeavesHaze() {
        let (original, mask, _, wall) = Self.slice()
        var pixels = original
        let region = LesionErase.dilated(mask, side: Self.side, radius: 3).enumerated().map { $0.element && (mask[$0.offset] || original[$0.offset] < 0.65) }
        let inside = (0..<pixels.count).filter { region[$0] }
        for i in inside { pixels[i] = Self.lungLevel }
        LesionErase.harmonicFill(&pixels, region: region, known: region.map { !$0 }, inside: inside, side: Self.side)
        XCTAssertGreaterThan(Self.mean(pixels, wall), Self.lungLevel + 0.03)
    }

    /// The spread estimate recovers white noise's standard deviation.
    func testNoiseSpreadOfWhiteNoise() {
        var rng = SplitMix64(seed: 3)
        let side = 128
        let pixels = (0..<(side * side)).map { _ in 0.3 + 0.05 * Float(rng.gaussian()) }
        XCTAssertEqual(LesionErase.noiseSpread(pixels, lung: [Bool](repeating: true, count: side * side), side: side),
                       0.05, accuracy: 0.002)
    }

    /// `apply`: probability 1 erases, 0 does not (one draw either way); an empty mask draws
    /// nothing and changes nothing; a mask on the chest wall alone, or too little lung to fill
    /// from, leaves the slice as it is.
    func testApplyDrawsAndRefusals() {
        let (original, mask, _, _) = Self.slice()
        for (p, erased) in [(1.0, true), (0.0, false)] {
            var pixels = original
            var rng = SplitMix64(seed: 2), reference = SplitMix64(seed: 2)
            XCTAssertEqual(LesionErase(probability: p).apply(to: &pixels, mask: mask, side: Self.side, using: &rng), erased)
            XCTAssertEqual(pixels != original, erased)
            if !erased { _ = reference.unit(); XCTAssertEqual(rng.next(), reference.next(), "one draw") }
        }
        var pixels = original
        var rng = SplitMix64(seed: 2), reference = SplitMix64(seed: 2)
        XCTAssertFalse(LesionErase(probability: 1).apply(to: &pixels, mask: [Bool](repeating: false, count: mask.count),
                                                         side: Self.side, using: &rng))
        XCTAssertTrue(pixels == original, "unchanged")
        XCTAssertEqual(rng.next(), reference.next(), "no draw without a lesion")
        // A mask wholly on the chest wall (model-made masks stray there): nothing to erase.
        var wallOnly = [Bool](repeating: false, count: mask.count)
        for r in 30..<34 { for c in 1..<5 { wallOnly[r * Self.side + c] = true } }
        pixels = original
        XCTAssertFalse(LesionErase.erase(&pixels, mask: wallOnly, side: Self.side, margin: 3, using: &rng))
        XCTAssertTrue(pixels == original, "unchanged")
        // A lung of 12 × 12 pixels, most of it lesion: under the minimum of lung to fill from.
        var small = [Float](repeating: 0.8, count: Self.side * Self.side), smallMask = [Bool](repeating: false, count: small.count)
        for r in 10..<22 { for c in 10..<22 { small[r * Self.side + c] = 0.2 } }
        for r in 12..<20 { for c in 12..<20 { small[r * Self.side + c] = 0.5; smallMask[r * Self.side + c] = true } }
        let before = small
        XCTAssertFalse(LesionErase.erase(&small, mask: smallMask, side: Self.side, margin: 3, using: &rng))
        XCTAssertTrue(small == before, "unchanged")
    }
}
