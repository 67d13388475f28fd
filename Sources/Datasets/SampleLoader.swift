import Foundation
import Imaging
import Preparation
import Segmentation
import Volumes

/// Turns samples into classifier inputs, the same way the screening pipeline prepares a
/// slice (method step 3): an image in [0, 1] → (augmentation) → bilinear resize to
/// `settings.inputSize`² (`Bilinear`, half-pixel centres) → `SlicePreparation.normalisedBatch`
/// (3 channels, ImageNet mean/std). 2D images are 8-bit lung-windowed already and map
/// 0…255 → [0, 1]; volume slices are windowed with `settings.windowLowHU…windowHighHU` and
/// cropped to the lung ROI when a segmenter is given (else the whole slice).
///
/// Keeps the last volume read, so samples should be ordered by volume where possible. Not
/// thread-safe: use one loader per thread.
public final class SampleLoader {
    public let settings: ScreeningSettings
    public let segmenter: LungSegmenting?
    private var cached: (path: String, volume: Volume, roi: PixelRect)?

    public init(settings: ScreeningSettings = .standard, segmenter: LungSegmenting? = nil) throws {
        try settings.validate()
        self.settings = settings
        self.segmenter = segmenter
    }

    /// The sample's pixels in [0, 1] before augmentation and resizing.
    public func image(for sample: Sample) throws -> GrayImage {
        switch sample.source {
        case .image(let path), .maskedImage(let path, _):
            return rewindowed(sample.orientation.upright(try ImageFile.readGray(path)))
        case .volumeSlice(let path, let slice):
            let (volume, roi) = try volume(at: path)
            guard slice < volume.size.slices else {
                throw DatasetError.invalidData(source: path, reason: "slice \(slice) is outside 0..<\(volume.size.slices)")
            }
            var pixels = [Float](repeating: 0, count: roi.rows * roi.columns)
            let low = settings.windowLowHU, high = settings.windowHighHU
            for r in 0..<roi.rows {
                for c in 0..<roi.columns {
                    pixels[r * roi.columns + c] = SlicePreparation.window(
                        volume[slice, roi.row + r, roi.column + c], low: low, high: high)
                }
            }
            return GrayImage(width: roi.columns, height: roi.rows, pixels: pixels)
        }
    }

    /// The lung window 2D images are taken to be in: 8-bit slices without Hounsfield units
    /// (paper figures, released JPGs), shown in a lung window like the method's default.
    public static let assumedImageWindowHU: (low: Float, high: Float) = (-1000, 0)

    /// A 2D image's [0, 1] values moved from `assumedImageWindowHU` into the settings' window
    /// (a model prepared for [−1000, 200] HU sees a 2D image as it would see the study).
    func rewindowed(_ image: GrayImage) -> GrayImage {
        let (a, b) = Self.assumedImageWindowHU
        let low = settings.windowLowHU, high = settings.windowHighHU
        guard a != low || b != high else { return image }
        var out = image
        for i in out.pixels.indices {
            let hu = a + out.pixels[i] * (b - a)
            out.pixels[i] = min(max((hu - low) / (high - low), 0), 1)
        }
        return out
    }

    /// The infection mask of a masked image at `side`² over the unaugmented image: turned
    /// like its image (`SliceOrientation`), resized like it (bilinear), cut at half its
    /// maximum. nil for other samples and for an empty mask.
    public func lesionMask(for sample: Sample, side: Int) throws -> [Bool]? {
        guard case .maskedImage(_, let maskPath) = sample.source else { return nil }
        let mask = sample.orientation.upright(try ImageFile.readGray(maskPath))
        guard let top = mask.pixels.max(), top > 0 else { return nil }
        let resized = Bilinear.resize(mask.pixels, rows: mask.height, columns: mask.width, outRows: side, outColumns: side)
        return resized.map { $0 >= top / 2 }
    }

    /// The sample as the pipeline's `PreparedSlice` (side² values in [0, 1]), augmented
    /// with a draw from `rng` (pass `.none` for validation).
    public func prepared(_ sample: Sample, augmentation: Augmentation = .none,
                         rng: inout SplitMix64) throws -> PreparedSlice {
        try preparedWithMask(sample, augmentation: augmentation, wantMask: false, rng: &rng).slice
    }

    /// `prepared`, and with `wantMask` the sample's lesion mask (masked images with a lesion;
    /// nil otherwise) carried through the same augmentation draw and resize, cut at half, so
    /// it lies where the lesion lies in the prepared slice. Same draws from `rng` as `prepared`.
    public func preparedWithMask(_ sample: Sample, augmentation: Augmentation = .none, wantMask: Bool,
                                 rng: inout SplitMix64) throws -> (slice: PreparedSlice, mask: [Bool]?) {
        var img = try image(for: sample)
        var mask: GrayImage?
        if wantMask, case .maskedImage(_, let maskPath) = sample.source {
            let m = sample.orientation.upright(try ImageFile.readGray(maskPath))
            // The mask file may differ in size from its image: bring it onto the image's grid first.
            if let top = m.pixels.max(), top > 0 {
                let onImage = Bilinear.resize(m.pixels.map { $0 / top }, rows: m.height, columns: m.width,
                                              outRows: img.height, outColumns: img.width)
                mask = GrayImage(width: img.width, height: img.height, pixels: onImage)
            }
        }
        if augmentation != .none {
            let draw = augmentation.draw(width: img.width, height: img.height, using: &rng)
            img = Augmentation.apply(draw, to: img)
            mask = mask.map { Augmentation.apply(draw, to: $0) }
        }
        let side = settings.inputSize
        let pixels = Bilinear.resize(img.pixels, rows: img.height, columns: img.width, outRows: side, outColumns: side)
        var index = 0
        if case .volumeSlice(_, let slice) = sample.source { index = slice }
        let slice = PreparedSlice(sliceIndex: index, crop: PixelRect(row: 0, column: 0, rows: img.height, columns: img.width),
                                  side: side, pixels: pixels)
        let resizedMask = mask.map {
            Bilinear.resize($0.pixels, rows: $0.height, columns: $0.width, outRows: side, outColumns: side).map { $0 >= 0.5 }
        }
        return (slice, resizedMask.flatMap { $0.contains(true) ? $0 : nil })
    }

    /// A batch for the classifier: input [N, 3, side, side] normalised like the pipeline and
    /// the labels (1 abnormal, 0 normal), N = `samples.count`.
    public func batch(_ samples: [Sample], augmentation: Augmentation = .none,
                      rng: inout SplitMix64) throws -> (input: [Float], labels: [Float]) {
        var prepared: [PreparedSlice] = []
        prepared.reserveCapacity(samples.count)
        for s in samples { prepared.append(try self.prepared(s, augmentation: augmentation, rng: &rng)) }
        let input = try SlicePreparation.normalisedBatch(prepared, settings: settings)
        return (input, samples.map { $0.label ? 1 : 0 })
    }

    private func volume(at path: String) throws -> (Volume, PixelRect) {
        if let c = cached, c.path == path { return (c.volume, c.roi) }
        cached = nil
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DatasetError.invalidData(source: path, reason: "no such volume file or folder")
        }
        let volume = isFolder.boolValue ? try DICOMSeriesReader.read(url) : try NIfTI.read(at: url)
        let roi = try segmenter?.segment(volume).roi
            ?? PixelRect(row: 0, column: 0, rows: volume.size.rows, columns: volume.size.columns)
        cached = (path, volume, roi)
        return (volume, roi)
    }
}
