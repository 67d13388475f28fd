import Imaging
import Preparation
import Volumes
import XCTest
@testable import Screening

final class CaseScoreTests: XCTestCase {
    /// 6 slices of 40×40, spacing 0.5 × 0.5 × 2 mm (voxel 0.5 mm³); lung on slices 1–4 in rows
    /// 8..<32 × columns 4..<36 (the ROI, 24 × 32), with a 4×4 hole on slice 3.
    /// Scripted probabilities 0.2, 0.9, 0.5, 0.4 → positives 2 and 3 (P ≥ 0.5).
    /// Slice 2's map is 0.8 everywhere: 0.8 · 768 px · 0.5 mm³ = 307.2 mm³.
    /// Slice 3's map is 0.9 on its left half, 0.3 on its right half; 224 → 32 columns puts
    /// crop columns 0–15 on 0.9 and 16–31 on 0.3 exactly, so the lung pixels above 0.6 are
    /// 24·16 − 16 (hole) = 368: 0.9 · 368 · 0.5 = 165.6 mm³. Score 0.4728 cm³; ratio 2/4.
    func testPositiveRatioAndCoronaScoreMatchHandComputedValues() throws {
        let volume = TestSupport.volume(columns: 40, rows: 40, slices: 6, spacing: [0.5, 0.5, 2]) { _, _, _ in -800 }
        var mask = [UInt8](repeating: 0, count: volume.size.count)
        for k in 1...4 { for r in 8..<32 { for c in 4..<36 { mask[(k * 40 + r) * 40 + c] = 1 } } }
        for r in 10..<14 { for c in 6..<10 { mask[(3 * 40 + r) * 40 + c] = 0 } }
        let region = try LungRegion(size: volume.size, mask: mask)
        XCTAssertEqual(region.lungSlices, [1, 2, 3, 4])
        XCTAssertEqual(region.roi, PixelRect(row: 8, column: 4, rows: 24, columns: 32))

        let uniform = [Float](repeating: 0.8, count: 224 * 224)
        let halves = (0..<(224 * 224)).map { $0 % 224 < 112 ? Float(0.9) : 0.3 }
        let outputs = [
            SliceOutput(logit: -1.386, probability: 0.2, features: [], fusedMap: nil),
            SliceOutput(logit: 2.197, probability: 0.9, features: [], fusedMap: uniform),
            SliceOutput(logit: 0, probability: 0.5, features: [], fusedMap: halves),
            SliceOutput(logit: -0.405, probability: 0.4, features: [], fusedMap: uniform),
        ]
        var settings = ScreeningSettings()
        settings.operatingPoints = OperatingPoint.paperDefaults + [OperatingPoint(name: "strict", positiveRatio: 0.6)]
        let pipeline = try Pipeline(settings: settings, software: SoftwareInfo(version: "test"))
        var clock = StageClock()
        let reduction = try pipeline.run(volume: volume, region: region,
                                         classifier: ScriptedClassifier(outputs: outputs),
                                         studyID: "hand", clock: &clock)
        let report = reduction.report
        XCTAssertEqual(report.positiveSlices, [2, 3])
        XCTAssertEqual(report.positiveRatio, 0.5, accuracy: 1e-12)
        XCTAssertEqual(report.coronaScore, 0.4728, accuracy: 1e-6)
        XCTAssertEqual(report.slices.compactMap(\.coronaScore), [0.3072, 0.1656].map { $0 }, accuracy: 1e-6)
        XCTAssertEqual(report.decisions.map(\.positive), [true, true, false])
        XCTAssertEqual(report.decisions.map(\.operatingPoint), ["high-sensitivity", "high-specificity", "strict"])
        XCTAssertEqual(report.lung.volumeML, Double(4 * 768 - 16) * 0.5 / 1000, accuracy: 1e-9)
        XCTAssertEqual(report.timings.map(\.stage), ["prepare", "classify", "reduce"])
    }

    /// The same analytic lesion (a 25 mm-radius ground-glass sphere, −400 HU, in lung at
    /// −850 HU) sampled on grids of different pixel spacing and slice thickness gives the same
    /// Corona score within 2 %. The rule classifier's map is 1 where the windowed pixel is above
    /// 0.4 and the slice is positive when any pixel is; the mask is an ellipsoid around the lesion.
    func testCoronaScoreIsRobustToSpacingAndThickness() throws {
        let grids: [SIMD3<Double>] = [[0.7, 0.7, 1.25], [1.0, 1.0, 2.5], [0.8, 0.8, 5], [1.4, 1.4, 1.0]]
        let rule = RuleClassifier { pixels in
            let map = pixels.map { $0 > 0.4 ? Float(1) : 0 }
            return (map.contains(1) ? 0.95 : 0.05, map)
        }
        let pipeline = try Pipeline(software: SoftwareInfo(version: "test"))
        var scores: [Double] = []
        for spacing in grids {
            let (volume, region) = try Self.phantom(spacing: spacing)
            var clock = StageClock()
            let report = try pipeline.run(volume: volume, region: region, classifier: rule,
                                          studyID: "phantom", clock: &clock).report
            scores.append(report.coronaScore)
        }
        let analytic = 4.0 / 3.0 * Double.pi * 25 * 25 * 25 / 1000
        print("Corona score of a \(String(format: "%.2f", analytic)) cm³ sphere on grids \(grids): \(scores)")
        for (spacing, score) in zip(grids, scores) {
            XCTAssertEqual(score, scores[0], accuracy: 0.02 * scores[0], "grid \(spacing)")
            XCTAssertEqual(score, analytic, accuracy: 0.1 * analytic, "grid \(spacing) vs analytic volume")
        }
    }

    /// 160 × 130 × 100 mm field, centred on 0; lung ellipsoid semi-axes 70 × 55 × 45 mm;
    /// lesion centre off-grid at (5.3, −3.7, 2.1) mm.
    static func phantom(spacing: SIMD3<Double>) throws -> (Volume, LungRegion) {
        let extent: SIMD3<Double> = [160, 130, 100]
        let n = (extent / spacing).rounded(.down)
        let columns = Int(n.x), rows = Int(n.y), slices = Int(n.z)
        let origin = -SIMD3<Double>(Double(columns - 1), Double(rows - 1), Double(slices - 1)) * spacing / 2
        let centre: SIMD3<Double> = [5.3, -3.7, 2.1]
        var mask = [UInt8](repeating: 0, count: columns * rows * slices)
        let volume = TestSupport.volume(columns: columns, rows: rows, slices: slices, spacing: spacing,
                                        origin: origin) { k, r, c in
            let p = origin + SIMD3<Double>(Double(c), Double(r), Double(k)) * spacing
            let e = p / SIMD3<Double>(70, 55, 45)
            if (e * e).sum() <= 1 { mask[(k * rows + r) * columns + c] = 1 }
            let d = p - centre
            return (d * d).sum() <= 25 * 25 ? -400 : -850
        }
        return (volume, try LungRegion(size: volume.size, mask: mask))
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double,
                            file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
