import Volumes

/// Which neighbours touch: `face` = 6 in 3D (4 in 2D), `full` = 26 in 3D (8 in 2D).
public enum Connectivity: Sendable {
    case face, full
}

/// Labels of connected components. `labels[i]` is 0 outside the mask, else 1...count, in
/// the order the components are first met in the axis order; `sizes[label - 1]` is the
/// voxel count of a component.
public struct Components: Sendable {
    public var size: VolumeSize
    public var labels: [Int32]
    public var sizes: [Int]
    public var count: Int { sizes.count }

    /// Labels sorted by decreasing size (ties by label).
    public var labelsBySize: [Int32] {
        let s = sizes
        let order: [Int] = (0..<s.count).sorted { (a: Int, b: Int) -> Bool in
            s[a] != s[b] ? s[a] > s[b] : a < b
        }
        return order.map { Int32($0 + 1) }
    }

    /// The voxels of the given labels as a mask.
    public func mask(of keep: Set<Int32>, spacing: SIMD3<Double>) -> BinaryMask {
        // A lookup table by label: a Set lookup per voxel costs seconds on a full study.
        var table = [UInt8](repeating: 0, count: sizes.count + 1)
        for l in keep where l > 0 && Int(l) <= sizes.count { table[Int(l)] = 1 }
        var out = [UInt8](repeating: 0, count: labels.count)
        table.withUnsafeBufferPointer { t in
            labels.withUnsafeBufferPointer { lab in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<lab.count { o[i] = t[Int(lab[i])] }
                }
            }
        }
        return BinaryMask(size: size, spacing: spacing, voxels: out)
    }
}

public enum ConnectedComponents {
    /// Labels the components of the non-zero voxels.
    /// - Parameter planar: label each slice on its own (2D connectivity); labels stay unique
    ///   over the whole volume.
    public static func label(_ mask: BinaryMask, connectivity: Connectivity = .face,
                             planar: Bool = false) -> Components {
        let size = mask.size
        let cols = size.columns, rows = size.rows, slices = size.slices
        var offsets: [(Int, Int, Int)] = []
        for dz in (planar ? 0...0 : -1...1) {
            for dy in -1...1 {
                for dx in -1...1 {
                    let n = abs(dx) + abs(dy) + abs(dz)
                    if n == 0 || (connectivity == .face && n > 1) { continue }
                    offsets.append((dz, dy, dx))
                }
            }
        }
        var labels = [Int32](repeating: 0, count: size.count)
        let sizes = mask.voxels.withUnsafeBufferPointer { m in
            labels.withUnsafeMutableBufferPointer { lab in
                flood(m, lab, cols: cols, rows: rows, slices: slices, offsets: offsets)
            }
        }
        return Components(size: size, labels: labels, sizes: sizes)
    }

    /// Breadth-first labelling; interior voxels use precomputed linear offsets, border
    /// voxels check each neighbour against the grid.
    private static func flood(_ m: UnsafeBufferPointer<UInt8>, _ lab: UnsafeMutableBufferPointer<Int32>,
                              cols: Int, rows: Int, slices: Int, offsets: [(Int, Int, Int)]) -> [Int] {
        let plane = cols * rows
        let linear = offsets.map { ($0.0 * rows + $0.1) * cols + $0.2 }
        let hasZ = offsets.contains { $0.0 != 0 }
        var sizes: [Int] = []
        var queue = [Int32](repeating: 0, count: 1024)
        for seed in 0..<m.count where m[seed] != 0 && lab[seed] == 0 {
            let label = Int32(sizes.count + 1)
            lab[seed] = label
            queue[0] = Int32(seed)
            var head = 0, tail = 1
            while head < tail {
                let i = Int(queue[head]); head += 1
                let z = i / plane, rem = i - z * plane, y = rem / cols, x = rem - y * cols
                let interior = x > 0 && x < cols - 1 && y > 0 && y < rows - 1
                    && (!hasZ || (z > 0 && z < slices - 1))
                for n in 0..<linear.count {
                    let j: Int
                    if interior {
                        j = i + linear[n]
                    } else {
                        let (dz, dy, dx) = offsets[n]
                        let nz = z + dz, ny = y + dy, nx = x + dx
                        if nz < 0 || nz >= slices || ny < 0 || ny >= rows || nx < 0 || nx >= cols { continue }
                        j = (nz * rows + ny) * cols + nx
                    }
                    if m[j] != 0 && lab[j] == 0 {
                        lab[j] = label
                        if tail == queue.count { queue.append(contentsOf: repeatElement(0, count: tail)) }
                        queue[tail] = Int32(j); tail += 1
                    }
                }
            }
            sizes.append(tail)
        }
        return sizes
    }

    /// The `n` largest components (face connectivity unless given).
    public static func largest(_ mask: BinaryMask, count n: Int,
                               connectivity: Connectivity = .face) -> BinaryMask {
        let comps = label(mask, connectivity: connectivity)
        return comps.mask(of: Set(comps.labelsBySize.prefix(n)), spacing: mask.spacing)
    }
}
