import Foundation
import Imaging
import Segmentation
import Volumes

/// Training and test slices for the lung U-Net: the windowed slice at the input size (one
/// channel; `LungSliceInput.channels` makes the three) and its 0/1 lung target.
public struct LungSegmentationSample: Sendable {
    public var windowed: [Float]
    public var target: [UInt8]
    /// "study#slice", with "+paint" when opacities were painted in.
    public var name: String
}

public enum LungSegmentationSamples {
    /// Every `every`-th slice of `volume` with its lung `mask` (same grid). Slices without lung
    /// are kept too (one in four of them), so the model learns to say "no lung". With
    /// `paintShare` > 0 that share of the lung slices also comes painted with 1–3 dense
    /// opacities (`ConsolidationPainting`), target unchanged.
    public static func from(_ volume: Volume, mask: BinaryMask, name: String, input: LungSliceInput, every: Int = 1,
                            paintShare: Double = 0, seed: UInt64 = 1) -> [LungSegmentationSample] {
        precondition(mask.size == volume.size, "mask and volume grids differ")
        var rng = SplitMix64(seed: seed)
        let s = volume.size, plane = s.sliceCount
        var out: [LungSegmentationSample] = []
        var empty = 0
        for k in stride(from: 0, to: s.slices, by: max(1, every)) {
            let lung = mask.voxels[(k * plane)..<((k + 1) * plane)]
            let hasLung = lung.contains { $0 != 0 }
            if !hasLung {
                empty += 1
                if empty % 4 != 1 { continue }
            }
            let target = input.target(lung, rows: s.rows, columns: s.columns)
            out.append(LungSegmentationSample(windowed: input.windowed(volume.slice(k), rows: s.rows, columns: s.columns),
                                              target: target, name: "\(name)#\(k)"))
            if hasLung && rng.unit() < paintShare {
                var hu = Array(volume.slice(k))
                ConsolidationPainting.paint(&hu, lung: Array(lung), rows: s.rows, columns: s.columns,
                                            spacing: volume.geometry.spacing.x, blobs: 1 + Int(rng.next() % 3), rng: &rng)
                out.append(LungSegmentationSample(windowed: input.windowed(hu[...], rows: s.rows, columns: s.columns),
                                                  target: target, name: "\(name)#\(k)+paint"))
            }
        }
        return out
    }
}
