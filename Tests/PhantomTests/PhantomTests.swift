import Segmentation
import Volumes
import XCTest
@testable import Phantom

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

/// Follow-up phantoms: one patient's lesions at other sizes.
final class PhantomFollowUpTests: XCTestCase {
    func testGrowthScalesTheSameLesionsAboutFixedCentres() {
        var base = PhantomSettings.small(seed: 9, groundGlass: 3, consolidation: 1)
        base.lesionRoom = 2
        var grown = base
        grown.lesionGrowth = [2, 0.5]
        let a = PhantomGenerator.make(base), b = PhantomGenerator.make(grown)
        XCTAssertEqual(a.lesions.count, 4)
        XCTAssertEqual(a.lesions.map(\.centre), b.lesions.map(\.centre))
        XCTAssertEqual(b.lesions[0].semiAxes, a.lesions[0].semiAxes * 2)
        for n in 1..<4 { XCTAssertEqual(b.lesions[n].semiAxes, a.lesions[n].semiAxes * 0.5, "the last factor repeats") }
        XCTAssertEqual(b.lesions[0].volumeCM3, a.lesions[0].volumeCM3 * 8, accuracy: 1e-9)
        // Room was kept: every lesion grown to the room factor lies inside a lung.
        let anatomy = PhantomAnatomy()
        for lesion in a.lesions {
            var big = lesion
            big.semiAxes *= 2
            XCTAssertTrue(PhantomLesionPlacer.fits(big, inflatedBy: 0, anatomy), "\(lesion)")
        }
        // Truth diameters of the axial section through the centre.
        let l = a.lesions[0]
        XCTAssertEqual(l.longestDiameterMM, 2 * max(l.semiAxes.x, l.semiAxes.y))
        XCTAssertEqual(l.perpendicularDiameterMM, 2 * min(l.semiAxes.x, l.semiAxes.y))
    }

    func testDefaultRoomPlacesLesionsAsBefore() {
        // Room 1 and no growth is the original placement: the same lesions as a room of 1
        // given explicitly, and growth 1 changes nothing.
        let s = PhantomSettings.small(seed: 2, groundGlass: 2, consolidation: 2)
        var same = s
        same.lesionRoom = 1; same.lesionGrowth = [1]
        XCTAssertEqual(PhantomGenerator.make(s).lesions, PhantomGenerator.make(same).lesions)
        XCTAssertEqual(PhantomGenerator.make(s).volume.voxels, PhantomGenerator.make(same).volume.voxels)
    }
}
