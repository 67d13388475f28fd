import Volumes

/// A binary (or small-label) mask on a voxel grid.
///
/// Axis order is the one of `Volume`: `voxels[(slice * rows + row) * columns + column]`.
/// A 2D mask is a mask with `size.slices == 1`. Values are 0 (outside) or non-zero (inside);
/// the morphology and labelling functions treat every non-zero value as inside and write 1.
public struct BinaryMask: Equatable, Sendable {
    public var size: VolumeSize
    /// Spacing along (column, row, slice) in mm, as in `Geometry.spacing`.
    public var spacing: SIMD3<Double>
    public var voxels: [UInt8]

    public init(size: VolumeSize, spacing: SIMD3<Double>, voxels: [UInt8]) {
        precondition(voxels.count == size.count, "mask voxel count \(voxels.count) != \(size.count)")
        self.size = size
        self.spacing = spacing
        self.voxels = voxels
    }

    /// An all-zero mask.
    public init(size: VolumeSize, spacing: SIMD3<Double>) {
        self.init(size: size, spacing: spacing, voxels: [UInt8](repeating: 0, count: size.count))
    }

    /// Voxels where `predicate(HU)` holds, on the volume's grid.
    public init(_ volume: Volume, where predicate: (Int16) -> Bool) {
        self.init(size: volume.size, spacing: volume.geometry.spacing,
                  voxels: volume.voxels.map { predicate($0) ? 1 : 0 })
    }

    @inlinable public func index(slice: Int, row: Int, column: Int) -> Int {
        (slice * size.rows + row) * size.columns + column
    }

    @inlinable public subscript(slice: Int, row: Int, column: Int) -> UInt8 {
        get { voxels[index(slice: slice, row: row, column: column)] }
        set { voxels[index(slice: slice, row: row, column: column)] = newValue }
    }

    /// Number of non-zero voxels.
    public var count: Int { voxels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }

    /// Volume of the non-zero voxels in mm³.
    public var volumeMM3: Double { Double(count) * spacing.x * spacing.y * spacing.z }

    /// One slice as a 2D mask (`slices == 1`).
    public func slice(_ k: Int) -> BinaryMask {
        let n = size.sliceCount
        return BinaryMask(size: VolumeSize(columns: size.columns, rows: size.rows, slices: 1),
                          spacing: spacing, voxels: Array(voxels[(k * n)..<((k + 1) * n)]))
    }

    /// Writes a 2D mask (`slices == 1`, same rows/columns) into slice `k`.
    public mutating func setSlice(_ k: Int, _ plane: BinaryMask) {
        precondition(plane.size.columns == size.columns && plane.size.rows == size.rows)
        let n = size.sliceCount
        voxels.replaceSubrange((k * n)..<((k + 1) * n), with: plane.voxels)
    }

    /// Voxel-wise AND / AND NOT / OR with a mask on the same grid.
    public func intersection(_ other: BinaryMask) -> BinaryMask {
        combine(other) { $0 != 0 && $1 != 0 }
    }
    public func subtracting(_ other: BinaryMask) -> BinaryMask {
        combine(other) { $0 != 0 && $1 == 0 }
    }
    public func union(_ other: BinaryMask) -> BinaryMask {
        combine(other) { $0 != 0 || $1 != 0 }
    }

    private func combine(_ other: BinaryMask, _ op: (UInt8, UInt8) -> Bool) -> BinaryMask {
        precondition(other.size == size, "mask sizes differ")
        var out = [UInt8](repeating: 0, count: voxels.count)
        voxels.withUnsafeBufferPointer { a in
            other.voxels.withUnsafeBufferPointer { b in
                for i in 0..<a.count where op(a[i], b[i]) { out[i] = 1 }
            }
        }
        return BinaryMask(size: size, spacing: spacing, voxels: out)
    }

    /// Dice coefficient 2|A∩B| / (|A|+|B|); 1 when both are empty.
    public func dice(_ other: BinaryMask) -> Double {
        precondition(other.size == size, "mask sizes differ")
        var both = 0, a = 0, b = 0
        for i in 0..<voxels.count {
            let x = voxels[i] != 0, y = other.voxels[i] != 0
            if x { a += 1 }
            if y { b += 1 }
            if x && y { both += 1 }
        }
        return a + b == 0 ? 1 : 2 * Double(both) / Double(a + b)
    }
}
