import Foundation
import Phantom
import XCTest
import Segmentation
import Volumes
@testable import Opacities

/// Focal opacities against the phantoms' ground truth, on the lung mask `analyze` uses
/// (the classical segmentation of the phantom's CT, not the true mask).
final class PhantomFindingTests: XCTestCase {
    /// A phantom chest at a clinical-like grid (0.9 mm pixels, 1.5 mm slices) covering the
    /// lesions' heights (z −75…+75 mm).
    static func settings(seed: UInt64, groundGlass: Int, consolidation: Int = 0,
                         room: Double = 1, growth: [Double] = []) -> PhantomSettings {
        var s = PhantomSettings()
        s.columns = 384; s.rows = 384; s.slices = 100
        s.pixelSpacing = 0.9; s.sliceThickness = 1.5
        s.seed = seed; s.groundGlassCount = groundGlass; s.consolidationCount = consolidation
        s.lesionRoom = room; s.lesionGrowth = growth
        return s
    }

    static func analyse(_ phantom: Phantom, settings: FocalOpacitySettings = .standard) throws -> FocalAnalysis {
        let lungs = try LungSegmenter().segment(phantom.volume)
        return FocalOpacityDetector.detect(volume: phantom.volume, lungMask: lungs.mask.voxels, settings: settings)
    }

    /// Pairs each true lesion with the finding whose centre is nearest (within 5 mm); fails on
    /// a lesion without one, and returns the findings left over.
    static func match(_ lesions: [PhantomLesion], _ findings: [FocalFinding],
                      file: StaticString = #filePath, line: UInt = #line) -> (pairs: [(PhantomLesion, FocalFinding)], extra: [FocalFinding]) {
        var left = findings, pairs: [(PhantomLesion, FocalFinding)] = []
        for lesion in lesions {
            let distances = left.map { f -> Double in
                let d = SIMD3(f.centreLPS[0], f.centreLPS[1], f.centreLPS[2]) - lesion.centre
                return (d * d).sum().squareRoot()
            }
            guard let best = distances.indices.min(by: { distances[$0] < distances[$1] }), distances[best] < 5 else {
                XCTFail("no finding within 5 mm of the lesion at \(lesion.centre)", file: file, line: line)
                continue
            }
            pairs.append((lesion, left.remove(at: best)))
        }
        return (pairs, left)
    }

    func testEveryLesionFoundAndMeasuredWithinTolerance() throws {
        let phantom = PhantomGenerator.make(Self.settings(seed: 3, groundGlass: 5, consolidation: 2))
        XCTAssertEqual(phantom.lesions.count, 7)
        let analysis = try Self.analyse(phantom)
        let (pairs, extra) = Self.match(phantom.lesions, analysis.findings)
        XCTAssertEqual(pairs.count, 7)
        XCTAssertEqual(extra.map(\.centreLPS), [], "findings where there is no lesion")
        for (lesion, finding) in pairs {
            let what = "lesion at \(lesion.centre): \(finding)"
            XCTAssertEqual(finding.volumeCM3, lesion.volumeCM3, accuracy: 0.10 * lesion.volumeCM3, what)
            XCTAssertEqual(finding.longestDiameterMM, lesion.longestDiameterMM, accuracy: 1.5, what)
            XCTAssertEqual(finding.perpendicularDiameterMM, lesion.perpendicularDiameterMM, accuracy: 1.5, what)
            XCTAssertEqual(finding.kind, lesion.kind == .groundGlass ? .groundGlass : .solid, what)
            XCTAssertEqual(finding.side, lesion.centre.x > 0 ? "left" : "right", what)  // LPS: +x is the patient's left
            XCTAssertEqual(finding.meanHU, lesion.hu, accuracy: 120, what)
            XCTAssertEqual(finding.voxelCount, analysis.voxels(of: finding.id - 1).count, what)
        }
        // Ids follow decreasing volume, and the label volume holds each finding's voxels.
        XCTAssertEqual(analysis.findings.map(\.id), Array(1...7))
        XCTAssertEqual(analysis.findings.map(\.volumeCM3), analysis.findings.map(\.volumeCM3).sorted(by: >))
        let labels = analysis.labelVolume(count: phantom.volume.size.count)
        XCTAssertEqual(labels.filter { $0 == 2 }.count, analysis.findings[1].voxelCount)
    }

    /// Lesions of 10–15 mm (the phantom's, halved): a 5 mm ball fits none of them, so the
    /// tube filter would eat them from the rim; the compact-blob rule keeps them. Every one
    /// found, nothing else; ground glass within 10 % in volume and 2 mm in diameter (edge to
    /// edge on a 0.9 mm grid), consolidations within 20 % and 3 mm (a vessel of the same
    /// density running into one is not cut off at this size).
    func testTenToFifteenMillimetreLesions() throws {
        try Self.assertScaledLesionsFound(seeds: [3, 5], growth: 0.5, sizes: 10...16) { kind in
            kind == .groundGlass ? (0.10, 2.0) : (0.20, 3.0)
        }
    }

    /// Lesions of 6–11 mm (the phantom's × 0.35): only a 2 mm ball fits the smallest, and the
    /// shortest span three 1.5 mm slices. Every one found, nothing else; within 20 % in volume
    /// and 2 mm in diameter (at this size a one-voxel rim is a quarter of the volume).
    func testSixToElevenMillimetreLesions() throws {
        try Self.assertScaledLesionsFound(seeds: [5, 11], growth: 0.35, sizes: 6...12) { _ in (0.20, 2.0) }
    }

    /// Lesions of 5–8 mm (the phantom's × 0.28), held to the acceptance's tolerance: within 10 %
    /// in volume and 1.5 mm in diameter. Only a 2 mm ball fits them, and the one-voxel rim it
    /// misses is a third of their volume: without the rim kept with the ball's part, the tube
    /// filter eats it and they come out small or not at all.
    func testFiveToEightMillimetreLesions() throws {
        try Self.assertScaledLesionsFound(seeds: [5, 8], growth: 0.28, sizes: 5...9) { _ in (0.10, 1.5) }
    }

    /// Phantoms with 5 ground-glass lesions and 2 consolidations scaled by `growth`: every lesion
    /// found on the right side, nothing else, volume and diameters within `tolerance(kind)`
    /// (share of the volume, mm).
    static func assertScaledLesionsFound(seeds: [UInt64], growth: Double, sizes: ClosedRange<Double>,
                                         tolerance: (LesionKind) -> (share: Double, mm: Double),
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        for seed in seeds {
            let phantom = PhantomGenerator.make(settings(seed: seed, groundGlass: 5, consolidation: 2, growth: [growth]))
            XCTAssertTrue(phantom.lesions.allSatisfy { sizes.contains($0.longestDiameterMM) }, "seed \(seed)", file: file, line: line)
            let analysis = try analyse(phantom)
            let (pairs, extra) = match(phantom.lesions, analysis.findings, file: file, line: line)
            XCTAssertEqual(pairs.count, 7, "seed \(seed)", file: file, line: line)
            XCTAssertEqual(extra.map(\.centreLPS), [], "seed \(seed): findings where there is no lesion", file: file, line: line)
            for (lesion, finding) in pairs {
                let what = "seed \(seed), lesion at \(lesion.centre): \(finding)"
                let (share, mm) = tolerance(lesion.kind)
                XCTAssertEqual(finding.volumeCM3, lesion.volumeCM3, accuracy: share * lesion.volumeCM3, what, file: file, line: line)
                XCTAssertEqual(finding.longestDiameterMM, lesion.longestDiameterMM, accuracy: mm, what, file: file, line: line)
                XCTAssertEqual(finding.perpendicularDiameterMM, lesion.perpendicularDiameterMM, accuracy: mm, what, file: file, line: line)
                XCTAssertEqual(finding.side, lesion.centre.x > 0 ? "left" : "right", what, file: file, line: line)
            }
        }
    }

    /// Lesion-free chests: vessels (branching from the hila) and airways give no finding; with
    /// the size, wall, mediastinum and vessel-junction rules switched off they do (what the rules are for).
    func testNoFindingsWithoutLesions() throws {
        for seed: UInt64 in [4, 8] {
            let phantom = PhantomGenerator.make(Self.settings(seed: seed, groundGlass: 0))
            let analysis = try Self.analyse(phantom)
            XCTAssertEqual(analysis.findings.map(\.centreLPS), [], "seed \(seed)")
            XCTAssertGreaterThan(analysis.suppressed.tubularVoxels, 1000, "seed \(seed)")
            var off = FocalOpacitySettings()
            off.maximumWallContact = 1; off.maximumVesselContact = 1; off.maximumMediastinalContact = 1; off.minimumExtentMM = 0
            let unruled = try Self.analyse(phantom, settings: off)
            let s = analysis.suppressed
            XCTAssertEqual(unruled.findings.count, s.wallContacts + s.mediastinalContacts + s.vesselJunctions + s.tooThin,
                           "seed \(seed): \(unruled.findings)")
            XCTAssertGreaterThan(unruled.findings.count, 0, "seed \(seed)")
        }
    }

    /// Three scans of one phantom patient: the same lesions at 0.6, 1 and 1.5 times their size.
    func testFollowUpVolumesFollowTheTruth() throws {
        var volumes: [[Double]] = []
        for factor in [0.6, 1.0, 1.5] {
            let phantom = PhantomGenerator.make(Self.settings(seed: 5, groundGlass: 3, room: 1.5, growth: [factor]))
            let analysis = try Self.analyse(phantom)
            let (pairs, extra) = Self.match(phantom.lesions, analysis.findings)
            XCTAssertEqual(extra.count, 0, "factor \(factor)")
            for (lesion, finding) in pairs {
                XCTAssertEqual(finding.volumeCM3, lesion.volumeCM3, accuracy: 0.10 * lesion.volumeCM3, "factor \(factor)")
            }
            volumes.append(pairs.map(\.1.volumeCM3))
        }
        // Same lesions, same order: each grows by about factor³ between time points.
        XCTAssertEqual(volumes.map(\.count), [3, 3, 3])
        for n in 0..<3 {
            XCTAssertEqual(volumes[2][n] / volumes[1][n], 1.5 * 1.5 * 1.5, accuracy: 0.4)
            XCTAssertEqual(volumes[0][n] / volumes[1][n], 0.6 * 0.6 * 0.6, accuracy: 0.05)
        }
    }
}
