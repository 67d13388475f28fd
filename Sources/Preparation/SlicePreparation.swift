import Imaging
import Volumes

/// One lung slice ready for the classifier, before channel expansion (method step 3, first
/// half): the slice cropped to the case ROI, windowed to [0, 1] and resized to
/// `side × side` (224) with half-pixel-centre bilinear sampling (see `Bilinear`).
///
/// This is the unit of work the cluster ships between processes, so it is Codable and holds
/// only what the later stages need: which slice, which crop, and the pixels.
public struct PreparedSlice: Codable, Equatable, Sendable {
    /// Index of the slice in the input volume.
    public var sliceIndex: Int
    /// The crop on the original slice grid (the case ROI).
    public var crop: PixelRect
    /// Side of the square image (224).
    public var side: Int
    /// `side * side` windowed values in [0, 1], row-major (row along the crop's rows).
    public var pixels: [Float]

    public init(sliceIndex: Int, crop: PixelRect, side: Int, pixels: [Float]) {
        self.sliceIndex = sliceIndex
        self.crop = crop
        self.side = side
        self.pixels = pixels
    }
}

public enum SlicePreparation {
    /// Lung window: HU → [0, 1], linear between `low` (0) and `high` (1), clipped.
    @inlinable
    public static func window(_ hu: Int16, low: Float, high: Float) -> Float {
        let v = (Float(hu) - low) / (high - low)
        return min(max(v, 0), 1)
    }

    /// Crop → window → resize for one slice of `volume`.
    public static func prepare(volume: Volume, sliceIndex: Int, crop: PixelRect,
                               settings: ScreeningSettings) throws -> PreparedSlice {
        let size = volume.size
        guard sliceIndex >= 0, sliceIndex < size.slices else {
            throw ScreeningError.inconsistentInput("slice \(sliceIndex) is outside 0..<\(size.slices)")
        }
        guard !crop.isEmpty, crop.row >= 0, crop.column >= 0,
              crop.row + crop.rows <= size.rows, crop.column + crop.columns <= size.columns else {
            throw ScreeningError.inconsistentInput("crop \(crop) does not fit a \(size.columns)×\(size.rows) slice")
        }
        var cropped = [Float](repeating: 0, count: crop.rows * crop.columns)
        let low = settings.windowLowHU, high = settings.windowHighHU
        volume.voxels.withUnsafeBufferPointer { hu in
            for r in 0..<crop.rows {
                let base = volume.index(slice: sliceIndex, row: crop.row + r, column: crop.column)
                for c in 0..<crop.columns {
                    cropped[r * crop.columns + c] = window(hu[base + c], low: low, high: high)
                }
            }
        }
        let side = settings.inputSize
        let pixels = Bilinear.resize(cropped, rows: crop.rows, columns: crop.columns,
                                     outRows: side, outColumns: side)
        return PreparedSlice(sliceIndex: sliceIndex, crop: crop, side: side, pixels: pixels)
    }

    /// The classifier input for a batch (method step 3, second half): each prepared slice
    /// turned to the model's plane orientation (`settings.inputOrientation`), replicated to
    /// 3 channels and normalised per channel, `(v − mean[c]) / std[c]`.
    /// Layout [N, 3, side, side], row-major, N = `slices.count`.
    public static func normalisedBatch(_ slices: [PreparedSlice],
                                       settings: ScreeningSettings) throws -> [Float] {
        let side = settings.inputSize
        let plane = side * side
        var out = [Float](repeating: 0, count: slices.count * 3 * plane)
        for (n, slice) in slices.enumerated() {
            guard slice.side == side, slice.pixels.count == plane else {
                throw ScreeningError.inconsistentInput(
                    "prepared slice \(slice.sliceIndex) is \(slice.side)² with \(slice.pixels.count) values, expected \(side)²")
            }
            let pixels = (settings.inputOrientation ?? .asAcquired).apply(slice.pixels, side: side)
            for ch in 0..<3 {
                let mean = settings.channelMean[ch], std = settings.channelStd[ch]
                let base = (n * 3 + ch) * plane
                for i in 0..<plane { out[base + i] = (pixels[i] - mean) / std }
            }
        }
        return out
    }

    /// A map the network made on its input planes (Grad-CAM), turned back to the prepared
    /// slice's orientation, so that fusion and pictures line up with the study.
    public static func mapToSlice(_ map: [Float], side: Int, settings: ScreeningSettings) -> [Float] {
        guard let o = settings.inputOrientation, o != .asAcquired, map.count == side * side else { return map }
        return o.inverse.apply(map, side: side)
    }
}
