import Foundation
import Imaging
import Segmentation

/// Synthetic positives for training: a real COVID-19 lesion, cut out of a donor slice along
/// its infection mask, pasted into the lungs of a slice without findings.
///
/// Why: the positive and negative images of the 2D sets come from different sources, and a
/// network trained on them learns the source (framing, window, scanner) as much as the
/// lesion, so its Grad-CAM does not sit on the opacities. A pasted positive differs from its
/// own negative by the lesion alone.
///
/// The sets use different lung windows, so the donor's gray values are mapped linearly onto
/// the target's: the donor's aerated-lung level (mean below its Otsu threshold) onto the
/// target's, its soft-tissue level (mean above) onto the target's. A pixel is pasted where the
/// (optionally mirrored) mask is set and the target is lung (below its Otsu threshold), and
/// only where the lesion is brighter than what is there (ground glass raises the density).
public struct LesionPaste: Sendable {
    /// A donor slice at the classifier's input side: gray values, infection mask, its levels.
    public struct Donor: Sendable {
        public let pixels: [Float]
        public let mask: [Bool]
        public let levels: (lung: Float, tissue: Float)
    }

    public let donors: [Donor]
    /// Share of the negative 2D training images that get a lesion.
    public let probability: Double
    /// Fewer pasted pixels than this (the lesion fell outside the target's lungs) leave the
    /// image a negative.
    public static let minimumPixels = 50

    public init(donors: [Donor], probability: Double) {
        precondition(!donors.isEmpty && probability >= 0 && probability <= 1, "lesion paste settings")
        self.donors = donors
        self.probability = probability
    }

    /// Donors from masked-slice samples (those with a lesion), upright and resized to `side`².
    public static func donors(from samples: [Sample], side: Int, loader: SampleLoader) throws -> [Donor] {
        try samples.compactMap { s -> Donor? in
            guard s.label, let mask = try loader.lesionMask(for: s, side: side) else { return nil }
            let image = try loader.image(for: s)
            let pixels = Bilinear.resize(image.pixels, rows: image.height, columns: image.width, outRows: side, outColumns: side)
            return Donor(pixels: pixels, mask: mask, levels: levels(pixels))
        }
    }

    /// Mean gray value below and at/above the Otsu threshold (aerated lung, soft tissue).
    static func levels(_ pixels: [Float]) -> (lung: Float, tissue: Float) {
        levels(pixels, threshold: Otsu.threshold(pixels))
    }

    /// Mean gray value below and at/above `t`.
    static func levels(_ pixels: [Float], threshold t: Float) -> (lung: Float, tissue: Float) {
        var low = 0.0, lowCount = 0, high = 0.0, highCount = 0
        for v in pixels {
            if v < t { low += Double(v); lowCount += 1 } else { high += Double(v); highCount += 1 }
        }
        return (Float(low / Double(max(lowCount, 1))), Float(high / Double(max(highCount, 1))))
    }

    /// With probability `probability`, pastes a random donor, mirrored or not at random, into
    /// `pixels` (`side`²); true when a lesion went in. A lesion that mostly missed the lungs
    /// (fewer than `minimumPixels` pasted) is not pasted at all, so a negative stays clean.
    public func apply(to pixels: inout [Float], side: Int, using rng: inout SplitMix64) -> Bool {
        applyReturningMask(to: &pixels, side: side, using: &rng) != nil
    }

    /// `apply`, returning the mask of the pixels the lesion changed (`side`²; the lesion the
    /// image now shows, for a loss on where the classifier looks), nil when nothing was pasted.
    /// Same draws from `rng` as `apply`.
    public func applyReturningMask(to pixels: inout [Float], side: Int, using rng: inout SplitMix64) -> [Bool]? {
        guard rng.unit() < probability else { return nil }
        let donor = donors[Int(rng.next() % UInt64(donors.count))]
        var candidate = pixels
        var mask = [Bool](repeating: false, count: side * side)
        guard Self.paste(donor, into: &candidate, side: side, mirrored: rng.next() & 1 == 1, changed: &mask)
                >= Self.minimumPixels else {
            return nil
        }
        pixels = candidate
        return mask
    }

    /// Pastes `donor` into `target` (`side`², gray values in [0, 1]); returns how many pixels
    /// changed.
    @discardableResult
    public static func paste(_ donor: Donor, into target: inout [Float], side: Int, mirrored: Bool) -> Int {
        var changed = [Bool](repeating: false, count: side * side)
        return paste(donor, into: &target, side: side, mirrored: mirrored, changed: &changed)
    }

    /// `paste`, also setting `changed` (`side`²) where a pixel changed.
    @discardableResult
    public static func paste(_ donor: Donor, into target: inout [Float], side: Int, mirrored: Bool,
                             changed mask: inout [Bool]) -> Int {
        precondition(target.count == side * side && donor.pixels.count == side * side && mask.count == side * side,
                     "paste sizes")
        let threshold = Otsu.threshold(target)
        let to = levels(target, threshold: threshold), from = donor.levels
        let gain = (to.tissue - to.lung) / max(from.tissue - from.lung, 1e-3)
        var changed = 0
        for r in 0..<side {
            for c in 0..<side {
                let i = r * side + c, d = r * side + (mirrored ? side - 1 - c : c)
                guard donor.mask[d], target[i] < threshold else { continue }
                let v = min(max(to.lung + (donor.pixels[d] - from.lung) * gain, 0), 1)
                if v > target[i] {
                    target[i] = v
                    mask[i] = true
                    changed += 1
                }
            }
        }
        return changed
    }
}
