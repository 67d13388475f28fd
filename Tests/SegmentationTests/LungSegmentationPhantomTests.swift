import Phantom
import XCTest
import Volumes
@testable import Segmentation

/// The classical lung mask against the phantom's ground truth.
final class LungSegmentationPhantomTests: XCTestCase {
    func testMaskMatchesPhantomLungsWithPleuralLesionsInside() throws {
        let phantom = PhantomGenerator.make(.small(seed: 11, groundGlass: 3, consolidation: 3))
        XCTAssertGreaterThanOrEqual(phantom.lesions.filter(\.touchesPleura).count, 4)
        let lungs = try LungSegmenter().segment(phantom.volume)
        let dice = lungs.mask.dice(phantom.lungMask)
        print("phantom lung Dice \(dice), volume \(lungs.volumeLitres) L vs \(phantom.lungMask.volumeMM3 / 1e6) L")
        XCTAssertGreaterThanOrEqual(dice, 0.95)
        let lesion = phantom.lesionMask
        let inside = lesion.intersection(lungs.mask).count
        XCTAssertGreaterThanOrEqual(Double(inside), 0.95 * Double(lesion.count), "\(inside) of \(lesion.count)")
        // Every lesion on its own, consolidation touching the pleura included.
        for (n, l) in phantom.lesions.enumerated() {
            var own = 0, kept = 0
            for k in 0..<lesion.size.slices { for r in 0..<lesion.size.rows { for c in 0..<lesion.size.columns {
                let p = phantom.volume.geometry.position(column: Double(c), row: Double(r), slice: Double(k))
                let i = lesion.index(slice: k, row: r, column: c)
                if lesion.voxels[i] != 0 && l.contains(p) { own += 1; if lungs.mask.voxels[i] != 0 { kept += 1 } }
            } } }
            XCTAssertGreaterThanOrEqual(Double(kept), 0.95 * Double(own), "lesion \(n) \(l.kind) pleura \(l.touchesPleura)")
        }
    }

    func testLungSlicesAreaAndBoundingBox() throws {
        let phantom = PhantomGenerator.make(.small(seed: 4))
        let lungs = try LungSegmenter().segment(phantom.volume)
        let truth = LungMask(mask: phantom.lungMask, minimumSliceArea: 100)
        XCTAssertEqual(lungs.sliceAreas.count, 40)
        // Lung slices: the phantom's lungs run from z = −95 to +110 mm; the grid covers ±97.5.
        XCTAssertEqual(Set(lungs.lungSlices).symmetricDifference(truth.lungSlices).count, 0,
                       "\(lungs.lungSlices) vs \(truth.lungSlices)")
        let box = try XCTUnwrap(lungs.boundingBox), ref = try XCTUnwrap(truth.boundingBox)
        for (a, b) in [(box.row, ref.row), (box.lastRow, ref.lastRow),
                       (box.column, ref.column), (box.lastColumn, ref.lastColumn)] {
            XCTAssertLessThanOrEqual(abs(a - b), 1, "\(box) vs \(ref)")
        }
        XCTAssertEqual(lungs.volumeLitres, truth.volumeLitres, accuracy: 0.05 * truth.volumeLitres)
    }

    /// The same findings on thin and thick slices: the mask keeps its quality.
    func testMaskHoldsAtOtherSliceThicknesses() throws {
        let reference = PhantomGenerator.make(.small(seed: 13, groundGlass: 2, consolidation: 2))
        for (slices, thickness) in [(80, 2.5), (20, 10.0)] {
            var s = PhantomSettings.small(seed: 13)
            s.slices = slices; s.sliceThickness = thickness
            let phantom = PhantomGenerator.make(s, lesions: reference.lesions)
            let lungs = try LungSegmenter().segment(phantom.volume)
            let dice = lungs.mask.dice(phantom.lungMask)
            XCTAssertGreaterThanOrEqual(dice, 0.95, "\(thickness) mm slices")
            let lesion = phantom.lesionMask
            XCTAssertGreaterThanOrEqual(Double(lesion.intersection(lungs.mask).count), 0.95 * Double(lesion.count))
        }
    }

    func testNoLungsIsAClearError() {
        var s = PhantomSettings.small()
        s.slices = 12
        let solid = Volume(size: VolumeSize(columns: 32, rows: 32, slices: 12), geometry: s.geometry,
                           metadata: StudyMetadata(patientID: "P1"),
                           voxels: [Int16](repeating: 40, count: 32 * 32 * 12))
        XCTAssertThrowsError(try LungSegmenter().segment(solid)) { error in
            XCTAssertTrue("\(error)".contains("P1"), "\(error)")
            XCTAssertTrue("\(error)".contains("no lungs"), "\(error)")
        }
    }
}
