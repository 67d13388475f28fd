import XCTest
import Volumes
import Segmentation
@testable import Opacities

/// The pieces of focal opacity measurement against hand-computed values.
final class MeasurementTests: XCTestCase {
    func testEigenvaluesOfKnownMatrices() {
        // Diagonal: the entries themselves.
        XCTAssertEqual(TubeFilter.eigenvalues(3, -1, 2, 0, 0, 0).sorted(), [-1, 2, 3])
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: 1, 3 and 5.
        let e = TubeFilter.eigenvalues(2, 2, 5, 1, 0, 0).sorted()
        for (a, b) in zip(e, [1.0, 3, 5]) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        // [[4, 1, 2], [1, 3, 0], [2, 0, 5]]: trace 12, determinant 4·15 − 1·5 + 2·(−6) = 43.
        let f = TubeFilter.eigenvalues(4, 3, 5, 1, 2, 0)
        XCTAssertEqual(f.reduce(0, +), 12, accuracy: 1e-9)
        XCTAssertEqual(f.reduce(1, *), 43, accuracy: 1e-8)
    }

    /// A bright line along z is a tube (high vesselness), a bright ball a blob (low vesselness).
    func testTubeFilterTellsATubeFromABall() {
        let n = 31, c = 15
        var tube = [Float](repeating: -850, count: n * n * n), ball = tube
        for k in 0..<n {
            for r in 0..<n {
                for col in 0..<n {
                    let dx = Double(col - c), dy = Double(r - c), dz = Double(k - c)
                    if dx * dx + dy * dy <= 4 { tube[(k * n + r) * n + col] = 40 }
                    if dx * dx + dy * dy + dz * dz <= 36 { ball[(k * n + r) * n + col] = 40 }
                }
            }
        }
        let centre = (c * n + c) * n + c
        let t = TubeFilter(values: tube, columns: n, rows: n, slices: n, spacing: [1, 1, 1]).responses(at: [centre], scales: [1, 2, 3])
        let b = TubeFilter(values: ball, columns: n, rows: n, slices: n, spacing: [1, 1, 1]).responses(at: [centre], scales: [1, 2, 3])
        XCTAssertGreaterThan(t.vesselness[0], 0.8)
        XCTAssertGreaterThan(t.vesselness[0], t.blobness[0])
        XCTAssertLessThan(b.vesselness[0], 0.05)
        XCTAssertGreaterThan(b.blobness[0], 0.9)
    }

    /// What protects small round opacities from the tube filter: a 9 mm ball is kept (all but
    /// rim voxels the 3 mm ball's opening does not reach); a
    /// 7 mm thick, 16 mm long piece of vessel (as short as the ball, so only the Hessian at
    /// its centre tells them apart) and a long thick vessel are not; a vessel too thin for a
    /// 3 mm ball leaves nothing.
    func testCompactBlobsKeepABallNotThickVessels() {
        let n = 48
        var hu = [Float](repeating: -850, count: n * n * n)
        func set(_ inside: (Double, Double, Double) -> Bool) {
            for k in 0..<n { for r in 0..<n { for c in 0..<n where inside(Double(c), Double(r), Double(k)) {
                hu[(k * n + r) * n + c] = 40
            } } }
        }
        set { x, y, z in let d = SIMD3(x - 12, y - 12, z - 24); return (d * d).sum() <= 4.5 * 4.5 }  // ball, 9 mm
        set { x, y, z in (x - 34) * (x - 34) + (y - 12) * (y - 12) <= 3.5 * 3.5 && abs(z - 24) <= 8 }  // short piece
        set { x, y, z in (x - 12) * (x - 12) + (z - 24) * (z - 24) <= 3.5 * 3.5 && y >= 22 && y <= 46 }  // long vessel
        set { x, y, z in (x - 34) * (x - 34) + (z - 24) * (z - 24) <= 1.5 * 1.5 && y >= 26 && y <= 46 }  // thin vessel
        set { x, y, z in let d = SIMD3(x - 34, y - 12, z - 6); return (d * d).sum() <= 2.5 * 2.5 }  // small ball, 5 mm
        let candidates = hu.indices.filter { hu[$0] >= -750 }
        let filter = TubeFilter(values: hu, columns: n, rows: n, slices: n, spacing: [1, 1, 1])
        let (vesselness, blobness) = filter.responses(at: candidates, scales: [1, 2, 3])
        let index = Dictionary(uniqueKeysWithValues: candidates.enumerated().map { ($1, $0) })
        let size = VolumeSize(columns: n, rows: n, slices: n)
        var mask = BinaryMask(size: size, spacing: [1, 1, 1])
        for b in candidates { mask.voxels[b] = 1 }
        let kept = FocalOpacityDetector.compactBlobs(mask, settings: .standard) { (vesselness[index[$0]!], blobness[index[$0]!]) }
        func keptShare(_ inside: (Int, Int, Int) -> Bool) -> Double {
            let region = candidates.filter { inside($0 % n, ($0 / n) % n, $0 / (n * n)) }
            return Double(region.filter { kept.voxels[$0] != 0 }.count) / Double(region.count)
        }
        XCTAssertGreaterThan(keptShare { c, r, _ in c < 24 && r < 20 }, 0.8, "the ball")
        XCTAssertGreaterThan(keptShare { c, r, k in c > 24 && r < 20 && k < 12 }, 0.3, "the small ball (only a 2 mm ball fits it)")
        XCTAssertEqual(keptShare { c, r, k in c > 24 && r < 20 && k >= 12 }, 0, "the short piece of vessel")
        XCTAssertEqual(keptShare { c, r, _ in c < 24 && r >= 22 }, 0, "the long vessel")
        XCTAssertEqual(keptShare { c, r, _ in c > 24 && r >= 26 }, 0, "the thin vessel")
    }

    func testGaussianKernelIsNormalisedAndSymmetric() {
        let k = TubeFilter.kernel(sigma: 2)
        XCTAssertEqual(k.count, 13)
        XCTAssertEqual(Double(k.reduce(0, +)), 1, accuracy: 1e-6)
        XCTAssertEqual(k, k.reversed())
        XCTAssertEqual(TubeFilter.kernel(sigma: 0.2), [1])
    }

    /// A digital disk of radius 10 pixels (1 mm): both diameters 21 mm edge to edge; a
    /// 30 × 10 pixel rectangle at 0.5 × 2 mm: 15 mm one way, 20 mm the other (the longest is
    /// the diagonal, and across it the rectangle's extent).
    func testDiametersOfADiskAndARectangle() {
        var disk: [(c: Int, r: Int)] = []
        for r in -10...10 { for c in -10...10 where c * c + r * r <= 100 { disk.append((c, r)) } }
        let d = Context.diameters(disk, spacing: [1, 1, 1])
        XCTAssertEqual(d.longest, 21, accuracy: 0.01)
        XCTAssertEqual(d.perpendicular, 21, accuracy: 1.0)
        var rect: [(c: Int, r: Int)] = []
        for r in 0..<10 { for c in 0..<30 { rect.append((c, r)) } }
        let e = Context.diameters(rect, spacing: [0.5, 2, 1])
        // Corner pixel centres (0, 0) and (29, 9): 14.5 × 18 mm apart → 23.11 mm, plus the
        // pixel's own extent along that direction.
        let u = SIMD2(14.5, 18.0) / (14.5 * 14.5 + 18 * 18).squareRoot()
        XCTAssertEqual(e.longest, (14.5 * 14.5 + 18 * 18).squareRoot() + u.x * 0.5 + u.y * 2, accuracy: 1e-9)
        XCTAssertGreaterThan(e.perpendicular, 0)
    }

    func testVoxelRunsRoundTripAndLabelVolume() {
        let indices = [3, 4, 5, 9, 20, 21]
        let runs = FocalAnalysis.runs(of: indices)
        XCTAssertEqual(runs, [3, 3, 9, 1, 20, 2])
        let f = FocalFinding(id: 1, volumeCM3: 0, longestDiameterMM: 0, perpendicularDiameterMM: 0, diameterSlice: 0,
                             meanHU: 0, minHU: 0, maxHU: 0, solidShare: 0, kind: .groundGlass, centreLPS: [0, 0, 0],
                             side: "left", voxelCount: 6)
        var g = f
        g.id = 2
        let analysis = FocalAnalysis(settings: .standard, findings: [f, g], voxelRuns: [runs, [0, 2]], suppressed: .init())
        XCTAssertEqual(analysis.voxels(of: 0), indices)
        let labels = analysis.labelVolume(count: 25)
        XCTAssertEqual(labels[0], 2); XCTAssertEqual(labels[1], 2); XCTAssertEqual(labels[2], 0)
        XCTAssertEqual(labels[4], 1); XCTAssertEqual(labels[21], 1); XCTAssertEqual(labels[22], 0)
    }

    func testOverlapWithTheLocalisationMap() {
        let f = FocalFinding(id: 1, volumeCM3: 0, longestDiameterMM: 0, perpendicularDiameterMM: 0, diameterSlice: 0,
                             meanHU: 0, minHU: 0, maxHU: 0, solidShare: 0, kind: .groundGlass, centreLPS: [0, 0, 0],
                             side: "left", voxelCount: 4)
        var analysis = FocalAnalysis(settings: .standard, findings: [f], voxelRuns: [[2, 4]], suppressed: .init())
        var map = [Float](repeating: 0, count: 8)
        map[2] = 0.9; map[3] = 0.7; map[4] = 0.5; map[5] = 0.1
        analysis.measureOverlap(with: map)
        XCTAssertEqual(analysis.findings[0].gradCAMMean!, 0.55, accuracy: 1e-6)
        XCTAssertEqual(analysis.findings[0].gradCAMOverlap, 0.5)
    }
}

/// The 5 mm floor in every direction: on 4 mm slices a ball 12 mm across is kept, a disk as wide
/// but on one slice only is not.
final class MinimumExtentTests: XCTestCase {
    func testOneSliceDiskDroppedBallKept() {
        let size = VolumeSize(columns: 80, rows: 80, slices: 20)
        let geometry = Geometry(spacing: [1, 1, 4], origin: [0, 0, 0])
        var hu = [Int16](repeating: -850, count: size.count)
        var lung = [UInt8](repeating: 0, count: size.count)
        for k in 0..<20 { for r in 0..<80 { for c in 0..<80 {
            let i = (k * 80 + r) * 80 + c
            if r >= 4, r < 76, c >= 4, c < 76, k >= 1, k < 19 { lung[i] = 1 } else { hu[i] = 40 }
            let ball = pow(Double(c) - 25, 2) + pow(Double(r) - 40, 2) + pow((Double(k) - 10) * 4, 2)
            if ball <= 36 { hu[i] = -450 }
            if k == 6, pow(Double(c) - 55, 2) + pow(Double(r) - 40, 2) <= 25 { hu[i] = -450 }
        } } }
        let volume = Volume(size: size, geometry: geometry, metadata: StudyMetadata(), voxels: hu)
        let analysis = FocalOpacityDetector.detect(volume: volume, lungMask: lung)
        XCTAssertEqual(analysis.findings.count, 1, "\(analysis.findings)")
        XCTAssertEqual(analysis.findings.first?.centreLPS[0] ?? 0, 25, accuracy: 1)
        XCTAssertEqual(analysis.suppressed.tooThin, 1)
        var lenient = FocalOpacitySettings()
        lenient.minimumExtentMM = 0
        XCTAssertEqual(FocalOpacityDetector.detect(volume: volume, lungMask: lung, settings: lenient).findings.count, 2)
    }
}
