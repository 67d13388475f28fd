import Foundation
import Imaging
import Segmentation
import Volumes

/// Counterfactual negatives for training: a masked lesion slice with its lesion removed.
///
/// Why: every slice of the lesion-donor set shows a lesion, so a network trained on its
/// slices as positives can learn that set's look (window, framing, scanner) as "positive"
/// instead of the lesion. The same slice with the lesion painted over as healthy lung, labelled
/// negative, differs from its positive by the lesion alone, as a pasted positive does from its
/// negative (`LesionPaste`).
///
/// How: the mask, grown by `margin` pixels (the masks are model-made and miss a lesion's faint
/// rim), is filled from the aerated lung around it: a harmonic (Laplace) fill whose boundary
/// values are the lung pixels next to the region, never the chest wall or mediastinum (which
/// would leave a grey haze against the pleura that reads as ground glass), plus Gaussian noise
/// with the lung's own pixel-to-pixel spread. The grown margin takes only lung pixels (below the
/// Otsu threshold): a vessel or the chest wall beside the lesion stays, and a part of the mask
/// that strays onto the chest wall or spine without touching lung is left as it is.
public struct LesionErase: Sendable {
    /// Share of the masked positive training slices that are erased (and become negatives).
    public let probability: Double
    /// Pixels the mask is grown by before filling (at the classifier's 224 input, about 4 mm).
    public static let margin = 3
    /// Fewer lung pixels around the region than this: too little healthy lung to fill from,
    /// the slice stays a positive.
    public static let minimumLungPixels = 200

    public init(probability: Double) {
        precondition(probability >= 0 && probability <= 1, "lesion erase probability")
        self.probability = probability
    }

    /// With probability `probability`, erases `mask`'s lesion from `pixels` (`side`², gray
    /// values in [0, 1]); true when it did (the slice is then a negative). Draws from `rng`
    /// only when `mask` has a lesion.
    public func apply(to pixels: inout [Float], mask: [Bool], side: Int, using rng: inout SplitMix64) -> Bool {
        guard mask.contains(true), rng.unit() < probability else { return false }
        return Self.erase(&pixels, mask: mask, side: side, margin: Self.margin, using: &rng)
    }

    /// Fills the grown mask from the surrounding lung (see the type's comment); false, and
    /// `pixels` unchanged, when there is too little lung around to fill from.
    @discardableResult
    public static func erase(_ pixels: inout [Float], mask: [Bool], side: Int, margin: Int,
                             using rng: inout SplitMix64) -> Bool {
        precondition(pixels.count == side * side && mask.count == side * side, "erase sizes")
        let threshold = Otsu.threshold(pixels)
        let grown = dilated(mask, side: side, radius: margin)
        let candidate = (0..<pixels.count).map { grown[$0] && (mask[$0] || pixels[$0] < threshold) }
        let lung = (0..<pixels.count).map { !candidate[$0] && pixels[$0] < threshold }
        let region = touchingLung(candidate, lung: lung, side: side)
        let lungValues = (0..<pixels.count).filter { lung[$0] }.map { pixels[$0] }
        guard lungValues.count >= minimumLungPixels else { return false }
        guard region.contains(true) else { return false }
        var out = pixels
        let lungMean = lungValues.reduce(0, +) / Float(lungValues.count)
        let inside = (0..<pixels.count).filter { region[$0] }
        for i in inside { out[i] = lungMean }
        harmonicFill(&out, region: region, known: lung, inside: inside, side: side)
        let sigma = noiseSpread(pixels, lung: lung, side: side)
        for i in inside { out[i] = min(max(out[i] + Float(rng.gaussian()) * sigma, 0), 1) }
        pixels = out
        return true
    }

    /// Successive over-relaxation of Laplace's equation on `region`: each pixel becomes the
    /// mean of its 4-neighbours that are in the region or known lung (others are ignored, so
    /// tissue next to the region does not bleed in).
    static func harmonicFill(_ v: inout [Float], region: [Bool], known: [Bool], inside: [Int], side: Int,
                             sweeps: Int = 300, omega: Float = 1.8) {
        // Each pixel's usable neighbours, found once rather than on every sweep.
        let usable = inside.map { i in neighbours(i, side: side).filter { region[$0] || known[$0] } }
        for _ in 0..<sweeps {
            var largest: Float = 0
            for (k, i) in inside.enumerated() {
                var sum: Float = 0
                for j in usable[k] { sum += v[j] }
                let n = Float(usable[k].count)
                guard n > 0 else { continue }
                let step = omega * (sum / n - v[i])
                v[i] += step
                largest = max(largest, abs(step))
            }
            if largest < 1e-5 { break }
        }
    }

    /// The lung's pixel-to-pixel spread: each lung pixel less its 3×3 mean (over pixels whose
    /// 3×3 window is all lung), its median absolute value scaled to a standard deviation (robust
    /// to the vessels' edges), then back to the spread of white noise (a pixel less its 3×3 mean
    /// has √(8/9) of it).
    static func noiseSpread(_ pixels: [Float], lung: [Bool], side: Int) -> Float {
        var residuals: [Float] = []
        for r in 1..<(side - 1) {
            for c in 1..<(side - 1) {
                var mean: Float = 0, allLung = true
                for dr in -1...1 {
                    for dc in -1...1 {
                        let j = (r + dr) * side + c + dc
                        allLung = allLung && lung[j]
                        mean += pixels[j]
                    }
                }
                if allLung { residuals.append(pixels[r * side + c] - mean / 9) }
            }
        }
        guard !residuals.isEmpty else { return 0 }
        let centre = median(residuals)
        let mad = median(residuals.map { abs($0 - centre) })
        return 1.4826 * mad / (8.0 / 9.0).squareRoot()
    }

    static func median(_ v: [Float]) -> Float {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The connected parts (4-neighbours) of `candidate` that touch lung: a mask that strays
    /// onto the chest wall or spine, away from the lung, has no healthy lung to become.
    static func touchingLung(_ candidate: [Bool], lung: [Bool], side: Int) -> [Bool] {
        var keep = [Bool](repeating: false, count: candidate.count)
        var stack = (0..<candidate.count).filter { i in
            candidate[i] && neighbours(i, side: side).contains { lung[$0] }
        }
        for i in stack { keep[i] = true }
        while let i = stack.popLast() {
            for j in neighbours(i, side: side) where candidate[j] && !keep[j] {
                keep[j] = true
                stack.append(j)
            }
        }
        return keep
    }

    static func neighbours(_ i: Int, side: Int) -> [Int] {
        let r = i / side, c = i % side
        return [r > 0 ? i - side : -1, r < side - 1 ? i + side : -1, c > 0 ? i - 1 : -1, c < side - 1 ? i + 1 : -1].filter { $0 >= 0 }
    }

    /// `mask` grown by a disc of `radius` pixels (`Morphology` on a one-slice, 1 mm grid).
    public static func dilated(_ mask: [Bool], side: Int, radius: Int) -> [Bool] {
        let m = BinaryMask(size: VolumeSize(columns: side, rows: side, slices: 1), spacing: [1, 1, 1],
                           voxels: mask.map { $0 ? 1 : 0 })
        return Morphology.dilate(m, radius: Double(radius), planar: true).voxels.map { $0 != 0 }
    }
}
