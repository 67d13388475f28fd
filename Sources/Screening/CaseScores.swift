import Preparation
import Volumes

/// The case decision at one operating point.
public struct CaseDecision: Codable, Equatable, Sendable {
    public var operatingPoint: String
    /// The operating point's positive-ratio threshold, a fraction.
    public var threshold: Double
    /// True when the positive ratio ≥ threshold ("COVID-19 suspected").
    public var positive: Bool
}

/// Case scores (method step 6).
public struct CaseScores: Codable, Equatable, Sendable {
    public var lungSliceCount: Int
    public var positiveSlices: [Int]
    /// positive slices / lung slices (0 when there are no lung slices).
    public var positiveRatio: Double
    /// Corona score in cm³ (see `CaseScoring.coronaScore`).
    public var coronaScore: Double
    /// Corona score contribution of each positive slice, cm³, in `positiveSlices` order.
    public var coronaScoreBySlice: [Double]
    public var decisions: [CaseDecision]
}

public enum CaseScoring {
    /// Corona score of one slice of the localisation volume, in cm³:
    ///     Σ_ij cmap_ij · 1(cmap_ij > threshold) · voxel volume,
    /// where cmap is the fused Grad-CAM map mapped back onto the ORIGINAL slice grid and zeroed
    /// outside the lung mask (`Fusion.localizationVolume`), and the voxel volume is that of the
    /// original grid (column × row × slice spacing, mm³ / 1000). Summing on the original grid
    /// makes the score a physical volume, so it does not depend on slice thickness or pixel
    /// spacing beyond sampling error.
    public static func coronaScore(localization: [Float], size: VolumeSize, geometry: Geometry,
                                   slice k: Int, threshold: Float) -> Double {
        let n = size.sliceCount
        var sum = 0.0
        localization.withUnsafeBufferPointer { v in
            for i in (k * n)..<((k + 1) * n) where v[i] > threshold { sum += Double(v[i]) }
        }
        return sum * geometry.voxelVolume / 1000
    }

    /// All case scores from the slice results and the localisation volume.
    public static func score(results: [SliceResult], lungSliceCount: Int, localization: [Float],
                             size: VolumeSize, geometry: Geometry,
                             settings: ScreeningSettings) -> CaseScores {
        let positives = results.filter(\.isPositive).map(\.sliceIndex).sorted()
        let ratio = lungSliceCount > 0 ? Double(positives.count) / Double(lungSliceCount) : 0
        let bySlice = positives.map {
            coronaScore(localization: localization, size: size, geometry: geometry,
                        slice: $0, threshold: settings.coronaThreshold)
        }
        let decisions = settings.operatingPoints.map {
            CaseDecision(operatingPoint: $0.name, threshold: $0.positiveRatio,
                         positive: lungSliceCount > 0 && ratio >= $0.positiveRatio)
        }
        return CaseScores(lungSliceCount: lungSliceCount, positiveSlices: positives,
                          positiveRatio: ratio, coronaScore: bySlice.reduce(0, +),
                          coronaScoreBySlice: bySlice, decisions: decisions)
    }
}
