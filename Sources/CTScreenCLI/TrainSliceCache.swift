import Datasets
import Foundation
import Imaging
import Preparation
import Screening
import Segmentation
import Training

/// Batches for `ctscreen train` with volume slices held in memory.
///
/// `SampleLoader` keeps only the last volume it read, and the training order is shuffled, so
/// volume-slice batches would re-read and re-segment a volume for almost every sample. This
/// reads each volume once (samples sorted by volume), keeps its slices' windowed lung crops,
/// and prepares batches from them exactly as `SampleLoader.prepared`/`batch` do (augment →
/// bilinear resize → normalised 3-channel input). 2D image samples go through the loader.
/// With `lesionPaste` some negative training samples, 2D images and volume slices alike,
/// become positives (see `LesionPaste`): a clean HU slice with a real lesion pasted in
/// differs from its source by the lesion alone. With `lesionErase` some masked positives
/// become negatives the other way round (see `LesionErase`).
final class TrainSliceCache {
    let loader: SampleLoader
    private var slices: [Sample: GrayImage] = [:]

    init(loader: SampleLoader) { self.loader = loader }

    /// Reads every volume-slice sample of `samples` once; returns how many were cached.
    @discardableResult
    func preload(_ samples: [Sample]) throws -> Int {
        let volumeSamples = samples.filter {
            if case .volumeSlice = $0.source { return slices[$0] == nil }
            return false
        }.sorted { a, b in
            guard case .volumeSlice(let va, let sa) = a.source, case .volumeSlice(let vb, let sb) = b.source else { return false }
            return (va, sa) < (vb, sb)
        }
        for s in volumeSamples { slices[s] = try loader.image(for: s) }
        return volumeSamples.count
    }

    /// Lesions pasted into negative 2D images while augmenting (training batches only).
    var lesionPaste: LesionPaste?
    /// Masked positives whose lesion is erased while augmenting, each then a negative
    /// (training batches only; see `LesionErase`).
    var lesionErase: LesionErase?

    /// A batch; with `wantMasks`, each image's lesion mask where known (a pasted lesion, or a
    /// masked 2D image's infection mask carried through the same augmentation), for the CAM loss.
    func batch(_ samples: [Sample], augmentation: Augmentation, wantMasks: Bool = false,
               rng: inout SplitMix64) throws -> TrainingBatch {
        let b = try preparedBatch(samples, augmentation: augmentation, wantMasks: wantMasks, rng: &rng)
        return TrainingBatch(input: try SlicePreparation.normalisedBatch(b.prepared, settings: loader.settings),
                             labels: b.labels, lesionMasks: wantMasks ? b.masks : nil)
    }

    /// The batch's slices before normalisation (side² gray values in [0, 1]), its labels and
    /// (with `wantMasks`; else all nil) the lesion masks.
    func preparedBatch(_ samples: [Sample], augmentation: Augmentation, wantMasks: Bool = false,
                       rng: inout SplitMix64) throws -> (prepared: [PreparedSlice], labels: [Float], masks: [[Bool]?]) {
        var prepared: [PreparedSlice] = []
        var labels: [Float] = samples.map { $0.label ? 1 : 0 }
        var masks = [[Bool]?](repeating: nil, count: samples.count)
        for (k, s) in samples.enumerated() {
            var (p, mask) = try preparedSample(s, augmentation: augmentation, wantMask: wantMasks || lesionErase != nil, rng: &rng)
            if augmentation != .none, let erase = lesionErase, s.label, let m = mask,
               erase.apply(to: &p.pixels, mask: m, side: p.side, using: &rng) {
                labels[k] = 0
                mask = nil
            }
            if augmentation != .none, let paste = lesionPaste, !s.label,
               let pasted = paste.applyReturningMask(to: &p.pixels, side: p.side, using: &rng) {
                labels[k] = 1
                mask = pasted
            }
            if wantMasks { masks[k] = mask }
            prepared.append(p)
        }
        return (prepared, labels, masks)
    }

    /// One sample augmented and resized: from the cache for volume slices, else the loader
    /// (which also carries a masked image's mask along when `wantMask`).
    private func preparedSample(_ s: Sample, augmentation: Augmentation, wantMask: Bool,
                                rng: inout SplitMix64) throws -> (PreparedSlice, [Bool]?) {
        guard var img = slices[s] else {
            return try loader.preparedWithMask(s, augmentation: augmentation, wantMask: wantMask, rng: &rng)
        }
        if augmentation != .none {
            img = Augmentation.apply(augmentation.draw(width: img.width, height: img.height, using: &rng), to: img)
        }
        let side = loader.settings.inputSize
        let pixels = Bilinear.resize(img.pixels, rows: img.height, columns: img.width, outRows: side, outColumns: side)
        var index = 0
        if case .volumeSlice(_, let slice) = s.source { index = slice }
        return (PreparedSlice(sliceIndex: index, crop: PixelRect(row: 0, column: 0, rows: img.height, columns: img.width),
                              side: side, pixels: pixels), nil)
    }
}
