/// How well a slice's heat map sits on its lesion mask (a radiologist's or a model's
/// infection mask): the mean heat inside the lesion against the mean in the rest of the lung,
/// and whether the hottest pixel lies in the lesion. A ratio of 1 means the map is no better
/// than anywhere else in the lung; the whole image would be the wrong baseline, since any map
/// that lights the lungs beats the background.
///
/// 2D slices come without a lung mask. They are lung crops in a lung window (the sets'
/// windows differ), so the lung field is taken as the pixels darker than the slice's Otsu
/// threshold (aerated lung against soft tissue and bone), plus the lesion itself (ground
/// glass is brighter than aerated lung).
public struct LesionLocalisation: Equatable, Sendable {
    public var meanInLesion: Double
    public var meanInRestOfLung: Double
    public var peakInLesion: Bool
    /// Lesion and rest-of-lung pixel counts.
    public var lesionPixels: Int, restOfLungPixels: Int

    public var ratio: Double { meanInRestOfLung > 0 ? meanInLesion / meanInRestOfLung : .nan }

    /// `heat`, `lesion` and `image` (gray values in [0, 1]) are `side`×`side`, row-major.
    /// nil when the lesion or the rest of the lung is empty.
    public static func measure(heat: [Float], lesion: [Bool], image: [Float], side: Int) -> LesionLocalisation? {
        let count = side * side
        precondition(heat.count == count && lesion.count == count && image.count == count, "map sizes")
        let dark = otsuThreshold(image)
        var inSum = 0.0, inCount = 0, restSum = 0.0, restCount = 0
        var peak = 0
        for i in 0..<count {
            if heat[i] > heat[peak] { peak = i }
            if lesion[i] {
                inSum += Double(heat[i]); inCount += 1
            } else if image[i] < dark {
                restSum += Double(heat[i]); restCount += 1
            }
        }
        guard inCount > 0, restCount > 0 else { return nil }
        return LesionLocalisation(meanInLesion: inSum / Double(inCount), meanInRestOfLung: restSum / Double(restCount),
                                  peakInLesion: lesion[peak], lesionPixels: inCount, restOfLungPixels: restCount)
    }

    /// Otsu's threshold (maximal between-class variance) of values in [0, 1], 256 bins; the
    /// returned level separates bins below it from those at or above.
    public static func otsuThreshold(_ values: [Float]) -> Float {
        var histogram = [Double](repeating: 0, count: 256)
        for v in values { histogram[min(255, max(0, Int(v * 255 + 0.5)))] += 1 }
        let total = Double(values.count)
        let weightedTotal = histogram.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
        var below = 0.0, weightedBelow = 0.0, best = -1.0, level = 128
        for t in 1..<256 {
            below += histogram[t - 1]
            weightedBelow += Double(t - 1) * histogram[t - 1]
            let above = total - below
            guard below > 0, above > 0 else { continue }
            let meanBelow = weightedBelow / below, meanAbove = (weightedTotal - weightedBelow) / above
            let between = below * above * (meanBelow - meanAbove) * (meanBelow - meanAbove)
            if between > best { best = between; level = t }
        }
        return (Float(level) - 0.5) / 255
    }
}
