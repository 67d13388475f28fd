import XCTest
import Volumes
@testable import Segmentation

final class PhantomTests: XCTestCase {
    func testSameSeedSameVoxelsOtherSeedOtherNoise() {
        let a = PhantomGenerator.make(.small(seed: 5, groundGlass: 1, consolidation: 1))
        let b = PhantomGenerator.make(.small(seed: 5, groundGlass: 1, consolidation: 1))
        let c = PhantomGenerator.make(.small(seed: 6, groundGlass: 1, consolidation: 1))
        XCTAssertEqual(a.volume.voxels, b.volume.voxels)
        XCTAssertEqual(a.lesionMask, b.lesionMask)
        XCTAssertEqual(a.lesions, b.lesions)
        XCTAssertNotEqual(a.volume.voxels, c.volume.voxels)
    }

    func testTissueValuesAndLesionRanges() {
        var s = PhantomSettings.small(seed: 2, groundGlass: 2, consolidation: 2)
        s.noiseSigma = 0
        let p = PhantomGenerator.make(s)
        XCTAssertEqual(p.lesions.count, 4)
        XCTAssertEqual(p.lesions.filter(\.touchesPleura).count, 2)
        for l in p.lesions {
            switch l.kind {
            case .groundGlass: XCTAssertTrue((-700.0)...(-300.0) ~= l.hu, "\(l.hu)")
            case .consolidation: XCTAssertTrue((-100.0)...50.0 ~= l.hu, "\(l.hu)")
            }
        }
        // Corner = outside air; lung voxels away from lesions and vessels sit near −850.
        XCTAssertEqual(p.volume.voxels[0], -1000)
        var lungHU: [Int16] = []
        for i in 0..<p.volume.voxels.count where p.lungMask.voxels[i] != 0 && p.lesionMask.voxels[i] == 0 {
            lungHU.append(p.volume.voxels[i])
        }
        let median = lungHU.sorted()[lungHU.count / 2]
        XCTAssertTrue((-880)...(-820) ~= median, "lung median \(median)")
        // Bone is present (ribs, spine) at +700.
        XCTAssertGreaterThan(p.volume.voxels.filter { $0 == 700 }.count, 500)
        // Lungs of an adult: 3–7 litres.
        XCTAssertTrue((3.0...7.0) ~= p.lungMask.volumeMM3 / 1e6, "\(p.lungMask.volumeMM3 / 1e6) L")
    }

    /// The same lesions rasterised on two different grids give the analytic volume ±2 %.
    func testLesionVolumeAtTwoSpacingsMatchesTheAnalyticVolume() {
        let coarse = PhantomGenerator.make(.small(seed: 9, groundGlass: 2, consolidation: 2))
        XCTAssertEqual(coarse.lesions.count, 4)
        var fine = PhantomSettings.small(seed: 9)
        fine.columns = 160; fine.rows = 160; fine.slices = 64
        fine.pixelSpacing = 1.6; fine.sliceThickness = 2.5
        let other = PhantomGenerator.make(fine, lesions: coarse.lesions)
        let analytic = coarse.analyticLesionVolumeCM3
        XCTAssertEqual(coarse.rasterisedLesionVolumeCM3, analytic, accuracy: 0.02 * analytic)
        XCTAssertEqual(other.rasterisedLesionVolumeCM3, analytic, accuracy: 0.02 * analytic)
        // Per lesion label too (1 = ground glass, 2 = consolidation).
        let ggo = coarse.lesions.filter { $0.kind == .groundGlass }.reduce(0) { $0 + $1.volumeCM3 }
        let measured = Double(other.lesionMask.voxels.filter { $0 == 1 }.count)
            * other.volume.geometry.voxelVolume / 1000
        XCTAssertEqual(measured, ggo, accuracy: 0.02 * ggo)
    }
}
