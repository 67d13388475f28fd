import Phantom
import Preparation
import Segmentation
import Volumes
import XCTest
@testable import Screening

/// The Corona score on the Segmentation module's chest phantom: the same lesions (2 ground-glass,
/// 2 consolidation, two of them touching the pleura) rasterised on three grids of different
/// pixel spacing and slice thickness give the same score within 2 %.
///
/// The classifier is an oracle: its fused map is the phantom's lesion mask taken through the
/// same crop and resize as the CT slice, binarised at 0.5 (so the score measures the lesion
/// volume as the pipeline sees it); a slice is positive when its map has any lesion pixel.
/// The lung region is the phantom's ground-truth lung mask.
final class PhantomCoronaTests: XCTestCase {
    func testCoronaScoreOfTheSameLesionsOnThreeGridsAgreesWithin2Percent() throws {
        let coarse = PhantomSettings.small(seed: 9, groundGlass: 2, consolidation: 2)
        let lesions = PhantomGenerator.make(coarse).lesions
        XCTAssertEqual(lesions.count, 4)
        var fine = coarse
        fine.columns = 160; fine.rows = 160; fine.slices = 80; fine.pixelSpacing = 2.0; fine.sliceThickness = 2.5
        var thin = coarse
        thin.columns = 200; thin.rows = 200; thin.slices = 160; thin.pixelSpacing = 1.6; thin.sliceThickness = 1.25
        let pipeline = try Pipeline(software: SoftwareInfo(version: "test"))
        var scores: [Double] = []
        for settings in [coarse, fine, thin] {
            let phantom = PhantomGenerator.make(settings, lesions: lesions)
            let region = try LungRegion(size: phantom.volume.size, mask: phantom.lungMask.voxels.map { $0 != 0 ? 1 : 0 })
            let outputs = try Self.oracleOutputs(phantom: phantom, region: region)
            var clock = StageClock()
            let report = try pipeline.run(volume: phantom.volume, region: region,
                                          classifier: ScriptedClassifier(outputs: outputs),
                                          studyID: "phantom", clock: &clock).report
            scores.append(report.coronaScore)
            print("phantom grid \(settings.pixelSpacing) mm × \(settings.sliceThickness) mm: Corona score "
                  + "\(report.coronaScore) cm³, rasterised lesions \(phantom.rasterisedLesionVolumeCM3) cm³, "
                  + "analytic \(phantom.analyticLesionVolumeCM3) cm³, \(report.positiveSlices.count) positive slices")
        }
        for score in scores.dropFirst() {
            XCTAssertEqual(score, scores[0], accuracy: 0.02 * scores[0], "\(scores)")
        }
        XCTAssertGreaterThan(scores[0], 0)
    }

    /// One output per lung slice, in slice order (the in-process driver's call order).
    static func oracleOutputs(phantom: Phantom, region: LungRegion) throws -> [SliceOutput] {
        var lesionCT = phantom.volume
        lesionCT.voxels = phantom.lesionMask.voxels.map { $0 != 0 ? 0 : -1000 }
        return try region.lungSlices.map { k in
            let seen = try SlicePreparation.prepare(volume: lesionCT, sliceIndex: k, crop: region.roi,
                                                    settings: .standard)
            let map = seen.pixels.map { $0 >= 0.5 ? Float(1) : 0 }
            let positive = map.contains(1)
            return SliceOutput(logit: positive ? 2 : -2, probability: positive ? 0.9 : 0.1,
                               features: [], fusedMap: positive ? map : nil)
        }
    }
}
