import Imaging
import Volumes

/// What the screening stages need from lung segmentation (method step 2): the per-voxel
/// lung mask, the lung slices and the case ROI every lung slice is cropped to.
///
/// The mask has the input volume's size and axis order
/// (`mask[(slice * rows + row) * columns + column]`, 1 = lung, 0 = not lung).
public struct LungRegion: Sendable {
    public var size: VolumeSize
    public var mask: [UInt8]
    /// Indices of the slices that are screened, ascending.
    public var lungSlices: [Int]
    /// The largest lung bounding box over the case, in slice pixel coordinates.
    public var roi: PixelRect

    public init(size: VolumeSize, mask: [UInt8], lungSlices: [Int], roi: PixelRect) throws {
        guard mask.count == size.count else {
            throw ScreeningError.inconsistentInput("lung mask has \(mask.count) voxels, volume \(size.count)")
        }
        guard lungSlices.allSatisfy({ $0 >= 0 && $0 < size.slices }) else {
            throw ScreeningError.inconsistentInput("lung slice index outside 0..<\(size.slices)")
        }
        guard !roi.isEmpty, roi.row >= 0, roi.column >= 0,
              roi.row + roi.rows <= size.rows, roi.column + roi.columns <= size.columns else {
            throw ScreeningError.inconsistentInput("case ROI \(roi) does not fit a \(size.columns)×\(size.rows) slice")
        }
        self.init(unchecked: size, mask: mask, lungSlices: lungSlices.sorted(), roi: roi)
    }

    /// Derives lung slices (mask area ≥ `minimumSliceArea` pixels) and the case ROI (bounding
    /// box of the mask over those slices) from a mask alone. Used by tests and by callers whose
    /// segmentation gives only the mask.
    public init(size: VolumeSize, mask: [UInt8], minimumSliceArea: Int = 1) throws {
        guard mask.count == size.count else {
            throw ScreeningError.inconsistentInput("lung mask has \(mask.count) voxels, volume \(size.count)")
        }
        var slices: [Int] = []
        var r0 = Int.max, r1 = -1, c0 = Int.max, c1 = -1
        let n = size.sliceCount
        for k in 0..<size.slices {
            var area = 0
            for i in (k * n)..<((k + 1) * n) where mask[i] != 0 { area += 1 }
            guard area >= max(minimumSliceArea, 1) else { continue }
            slices.append(k)
            for r in 0..<size.rows {
                let base = k * n + r * size.columns
                for c in 0..<size.columns where mask[base + c] != 0 {
                    r0 = min(r0, r); r1 = max(r1, r); c0 = min(c0, c); c1 = max(c1, c)
                }
            }
        }
        let roi = slices.isEmpty ? PixelRect(row: 0, column: 0, rows: 0, columns: 0)
            : PixelRect(row: r0, column: c0, rows: r1 - r0 + 1, columns: c1 - c0 + 1)
        self.init(unchecked: size, mask: mask, lungSlices: slices, roi: roi)
    }

    private init(unchecked size: VolumeSize, mask: [UInt8], lungSlices: [Int], roi: PixelRect) {
        self.size = size
        self.mask = mask
        self.lungSlices = lungSlices
        self.roi = roi
    }

    /// Lung voxels in the whole mask.
    public var lungVoxelCount: Int { mask.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }

    /// Lung volume in millilitres (cm³) on the given grid.
    public func lungVolumeML(geometry: Geometry) -> Double {
        Double(lungVoxelCount) * geometry.voxelVolume / 1000
    }
}

extension LungRegion {
    /// The mask's centroid and the extent of its bounding box in patient space (LPS, mm; the
    /// box of the voxel centres, grown by one voxel); nil for an empty mask.
    public func frame(geometry: Geometry) -> (centre: SIMD3<Double>, extent: SIMD3<Double>)? {
        var sum = SIMD3<Double>(repeating: 0), count = 0
        var low = SIMD3<Double>(repeating: .infinity), high = SIMD3<Double>(repeating: -.infinity)
        for k in 0..<size.slices {
            for r in 0..<size.rows {
                let base = (k * size.rows + r) * size.columns
                for c in 0..<size.columns where mask[base + c] != 0 {
                    let p = geometry.position(column: Double(c), row: Double(r), slice: Double(k))
                    sum += p; count += 1
                    low = pointwiseMin(low, p); high = pointwiseMax(high, p)
                }
            }
        }
        guard count > 0 else { return nil }
        let voxel = SIMD3(abs(geometry.rowDirection.x) * geometry.spacing.x + abs(geometry.columnDirection.x) * geometry.spacing.y
                              + abs(geometry.sliceDirection.x) * geometry.spacing.z,
                          abs(geometry.rowDirection.y) * geometry.spacing.x + abs(geometry.columnDirection.y) * geometry.spacing.y
                              + abs(geometry.sliceDirection.y) * geometry.spacing.z,
                          abs(geometry.rowDirection.z) * geometry.spacing.x + abs(geometry.columnDirection.z) * geometry.spacing.y
                              + abs(geometry.sliceDirection.z) * geometry.spacing.z)
        return (sum / Double(count), high - low + voxel)
    }
}
