import Imaging
import Volumes

/// The lungs of one study, on the grid of the segmented `Volume`.
///
/// Axis order of `mask.voxels` is the volume's: `(slice * rows + row) * columns + column`,
/// 1 = lung, 0 = not lung. Slice indices are those of the volume (sorted along the slice
/// normal, ascending).
public struct LungMask: Sendable {
    /// Per-voxel lung mask (values 0/1), same size and spacing as the input volume.
    public var mask: BinaryMask
    /// Lung area of every slice in mm² (`size.slices` values).
    public var sliceAreas: [Double]
    /// The area (mm²) a slice needs to count as a lung slice.
    public var minimumSliceArea: Double
    /// Indices of the slices whose lung area is ≥ `minimumSliceArea`, ascending.
    public var lungSlices: [Int]
    /// The case lung ROI: the union of the per-slice lung bounding boxes over the lung
    /// slices (the "largest lung bounding box over the case"); nil when there is no lung slice.
    public var boundingBox: PixelRect?
    /// Lung volume in litres (voxel count × voxel volume).
    public var volumeLitres: Double

    /// Derives the per-slice figures from a mask.
    public init(mask: BinaryMask, minimumSliceArea: Double) {
        self.mask = mask
        self.minimumSliceArea = minimumSliceArea
        let size = mask.size, plane = size.sliceCount
        let pixelArea = mask.spacing.x * mask.spacing.y
        var areas = [Double](repeating: 0, count: size.slices)
        var slices: [Int] = []
        var box: PixelRect?
        var total = 0
        for k in 0..<size.slices {
            var n = 0
            var minR = Int.max, maxR = -1, minC = Int.max, maxC = -1
            for r in 0..<size.rows {
                let rowBase = k * plane + r * size.columns
                for c in 0..<size.columns where mask.voxels[rowBase + c] != 0 {
                    n += 1
                    minR = min(minR, r); maxR = max(maxR, r)
                    minC = min(minC, c); maxC = max(maxC, c)
                }
            }
            total += n
            areas[k] = Double(n) * pixelArea
            if n > 0 && areas[k] >= minimumSliceArea {
                slices.append(k)
                let b = PixelRect(firstRow: minR, lastRow: maxR, firstColumn: minC, lastColumn: maxC)
                box = box.map { $0.union(b) } ?? b
            }
        }
        sliceAreas = areas
        lungSlices = slices
        boundingBox = box
        volumeLitres = Double(total) * mask.spacing.x * mask.spacing.y * mask.spacing.z / 1e6
    }
}
