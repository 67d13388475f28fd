import Volumes

/// A box of voxel indices (half-open ranges) on a grid, used to work on crops.
public struct GridBox: Equatable, Sendable {
    public var slices: Range<Int>
    public var rows: Range<Int>
    public var columns: Range<Int>

    public var size: VolumeSize { VolumeSize(columns: columns.count, rows: rows.count, slices: slices.count) }

    /// The smallest box holding every non-zero voxel; nil for an empty mask.
    public init?(boundingNonZeroOf mask: BinaryMask) {
        let s = mask.size
        var z0 = Int.max, z1 = -1, y0 = Int.max, y1 = -1, x0 = Int.max, x1 = -1
        for z in 0..<s.slices {
            for y in 0..<s.rows {
                let base = (z * s.rows + y) * s.columns
                for x in 0..<s.columns where mask.voxels[base + x] != 0 {
                    z0 = min(z0, z); z1 = max(z1, z); y0 = min(y0, y); y1 = max(y1, y)
                    x0 = min(x0, x); x1 = max(x1, x)
                }
            }
        }
        guard z1 >= 0 else { return nil }
        self.init(slices: z0..<(z1 + 1), rows: y0..<(y1 + 1), columns: x0..<(x1 + 1))
    }

    public init(slices: Range<Int>, rows: Range<Int>, columns: Range<Int>) {
        self.slices = slices
        self.rows = rows
        self.columns = columns
    }

    /// Grown by `n` voxels in-plane and `nz` across slices, clamped to the grid.
    public func grown(by n: Int, slicesBy nz: Int? = nil, within s: VolumeSize) -> GridBox {
        let dz = nz ?? n
        return GridBox(slices: max(0, slices.lowerBound - dz)..<min(s.slices, slices.upperBound + dz),
                       rows: max(0, rows.lowerBound - n)..<min(s.rows, rows.upperBound + n),
                       columns: max(0, columns.lowerBound - n)..<min(s.columns, columns.upperBound + n))
    }
}

extension BinaryMask {
    /// The voxels inside `box` as their own mask.
    func cropped(to box: GridBox) -> BinaryMask {
        var out = BinaryMask(size: box.size, spacing: spacing)
        var i = 0
        for z in box.slices {
            for y in box.rows {
                let base = (z * size.rows + y) * size.columns
                for x in box.columns {
                    out.voxels[i] = voxels[base + x]
                    i += 1
                }
            }
        }
        return out
    }

    /// Writes `crop` back at `box` (overwrites).
    mutating func paste(_ crop: BinaryMask, at box: GridBox) {
        var i = 0
        for z in box.slices {
            for y in box.rows {
                let base = (z * size.rows + y) * size.columns
                for x in box.columns {
                    voxels[base + x] = crop.voxels[i]
                    i += 1
                }
            }
        }
    }
}
