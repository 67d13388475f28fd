import Imaging
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
    /// Shares of the lesion's and of the rest of the lung's pixels whose heat passes the
    /// Corona score's threshold: what the score counts of the lesion, and beside it.
    public var lesionCounted: Double, restOfLungCounted: Double

    public var ratio: Double { meanInRestOfLung > 0 ? meanInLesion / meanInRestOfLung : .nan }

    /// `heat`, `lesion` and `image` (gray values in [0, 1]) are `side`×`side`, row-major.
    /// nil when the lesion or the rest of the lung is empty. `countedAbove`: the Corona score's
    /// threshold on the fused map.
    public static func measure(heat: [Float], lesion: [Bool], image: [Float], side: Int,
                               countedAbove threshold: Float) -> LesionLocalisation? {
        let count = side * side
        precondition(heat.count == count && lesion.count == count && image.count == count, "map sizes")
        let dark = Otsu.threshold(image)
        var inSum = 0.0, inCount = 0, restSum = 0.0, restCount = 0, inCounted = 0, restCounted = 0
        var peak = 0
        for i in 0..<count {
            if heat[i] > heat[peak] { peak = i }
            if lesion[i] {
                inSum += Double(heat[i]); inCount += 1
                if heat[i] > threshold { inCounted += 1 }
            } else if image[i] < dark {
                restSum += Double(heat[i]); restCount += 1
                if heat[i] > threshold { restCounted += 1 }
            }
        }
        guard inCount > 0, restCount > 0 else { return nil }
        return LesionLocalisation(meanInLesion: inSum / Double(inCount), meanInRestOfLung: restSum / Double(restCount),
                                  peakInLesion: lesion[peak], lesionPixels: inCount, restOfLungPixels: restCount,
                                  lesionCounted: Double(inCounted) / Double(inCount),
                                  restOfLungCounted: Double(restCounted) / Double(restCount))
    }
}
