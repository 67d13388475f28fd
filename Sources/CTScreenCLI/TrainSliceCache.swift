import Datasets
import Foundation
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
/// differs from its source by the lesion alone.
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

    func batch(_ samples: [Sample], augmentation: Augmentation, rng: inout SplitMix64) throws -> (input: [Float], labels: [Float]) {
        let (prepared, labels) = try preparedBatch(samples, augmentation: augmentation, rng: &rng)
        return (try SlicePreparation.normalisedBatch(prepared, settings: loader.settings), labels)
    }

    /// The batch's slices before normalisation (side² gray values in [0, 1]) and its labels.
    func preparedBatch(_ samples: [Sample], augmentation: Augmentation,
                       rng: inout SplitMix64) throws -> (prepared: [PreparedSlice], labels: [Float]) {
        var prepared: [PreparedSlice] = []
        var labels: [Float] = samples.map { $0.label ? 1 : 0 }
        for (k, s) in samples.enumerated() {
            var p = try preparedSample(s, augmentation: augmentation, rng: &rng)
            if augmentation != .none, let paste = lesionPaste, !s.label, paste.apply(to: &p.pixels, side: p.side, using: &rng) {
                labels[k] = 1
            }
            prepared.append(p)
        }
        return (prepared, labels)
    }

    /// One sample augmented and resized: from the cache for volume slices, else the loader.
    private func preparedSample(_ s: Sample, augmentation: Augmentation, rng: inout SplitMix64) throws -> PreparedSlice {
        guard var img = slices[s] else { return try loader.prepared(s, augmentation: augmentation, rng: &rng) }
        if augmentation != .none {
            img = Augmentation.apply(augmentation.draw(width: img.width, height: img.height, using: &rng), to: img)
        }
        let side = loader.settings.inputSize
        let pixels = Bilinear.resize(img.pixels, rows: img.height, columns: img.width, outRows: side, outColumns: side)
        var index = 0
        if case .volumeSlice(_, let slice) = s.source { index = slice }
        return PreparedSlice(sliceIndex: index, crop: PixelRect(row: 0, column: 0, rows: img.height, columns: img.width),
                             side: side, pixels: pixels)
    }
}
