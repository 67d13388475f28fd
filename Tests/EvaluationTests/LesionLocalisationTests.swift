import Imaging
import XCTest
@testable import Evaluation

/// The localisation measure on small hand-made slices whose answers are worked out here.
final class LesionLocalisationTests: XCTestCase {
    /// 4×4: the left two columns are aerated lung (0.1), the right two soft tissue (0.9).
    /// Lesion: (0,0) and (1,0). Heat 1 in the lesion, 0.5 in the other six lung pixels.
    func slice(tissueHeat: Float) -> (heat: [Float], lesion: [Bool], image: [Float]) {
        var image = [Float](repeating: 0, count: 16), heat = image, lesion = [Bool](repeating: false, count: 16)
        for r in 0..<4 {
            for c in 0..<4 {
                image[r * 4 + c] = c < 2 ? 0.1 : 0.9
                heat[r * 4 + c] = c < 2 ? 0.5 : tissueHeat
            }
        }
        for i in [0, 4] { lesion[i] = true; heat[i] = 1 }
        return (heat, lesion, image)
    }

    func testMeansRatioAndPeak() throws {
        let a = slice(tissueHeat: 3)
        let m = try XCTUnwrap(LesionLocalisation.measure(heat: a.heat, lesion: a.lesion, image: a.image, side: 4, countedAbove: 0.6))
        XCTAssertEqual(m.meanInLesion, 1, accuracy: 1e-12)
        XCTAssertEqual(m.meanInRestOfLung, 0.5, accuracy: 1e-12, "tissue pixels are not lung")
        XCTAssertEqual(m.ratio, 2, accuracy: 1e-12)
        XCTAssertEqual(m.lesionPixels, 2)
        XCTAssertEqual(m.restOfLungPixels, 6)
        XCTAssertFalse(m.peakInLesion, "the hottest pixel is in the tissue")
        XCTAssertEqual(m.lesionCounted, 1, accuracy: 1e-12)
        XCTAssertEqual(m.restOfLungCounted, 0, accuracy: 1e-12, "0.5 is below the threshold; tissue at 3 is not lung")
        let b = slice(tissueHeat: 0)
        XCTAssertEqual(LesionLocalisation.measure(heat: b.heat, lesion: b.lesion, image: b.image, side: 4, countedAbove: 0.6)?.peakInLesion, true)
    }

    /// The counted shares: one lesion pixel of two and one lung pixel of six above 0.6; a pixel
    /// at the threshold is not counted (the Corona score counts heat > 0.6).
    func testSharesTheCoronaScoreCounts() throws {
        var a = slice(tissueHeat: 1)
        a.heat[4] = 0.6
        a.heat[1] = 0.61
        let m = try XCTUnwrap(LesionLocalisation.measure(heat: a.heat, lesion: a.lesion, image: a.image, side: 4, countedAbove: 0.6))
        XCTAssertEqual(m.lesionCounted, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.restOfLungCounted, 1.0 / 6, accuracy: 1e-12)
    }

    func testEmptyLesionGivesNothing() {
        let a = slice(tissueHeat: 0)
        XCTAssertNil(LesionLocalisation.measure(heat: a.heat, lesion: [Bool](repeating: false, count: 16), image: a.image, side: 4, countedAbove: 0.6))
    }

    /// Otsu on two clusters puts the level between them, whichever window the set uses.
    func testOtsuSplitsTwoClusters() {
        for (low, high) in [(0.05, 0.4), (0.3, 0.9)] as [(Float, Float)] {
            let values = [Float](repeating: low, count: 70) + [Float](repeating: high, count: 30)
            let t = Otsu.threshold(values)
            XCTAssertGreaterThan(t, low)
            XCTAssertLessThanOrEqual(t, high)
        }
    }
}
