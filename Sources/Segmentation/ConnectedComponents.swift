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
        BinaryMask(size: size, spacing: spacing, voxels: labels.map { keep.contains($0) ? 1 : 0 })
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
        let plane = cols * rows
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
        var sizes: [Int] = []
        var queue = [Int32](repeating: 0, count: 0)
        mask.voxels.withUnsafeBufferPointer { m in
            labels.withUnsafeMutableBufferPointer { lab in
                for seed in 0..<size.count where m[seed] != 0 && lab[seed] == 0 {
                    let label = Int32(sizes.count + 1)
                    lab[seed] = label
                    queue.removeAll(keepingCapacity: true)
                    queue.append(Int32(seed))
                    var head = 0
                    while head < queue.count {
                        let i = Int(queue[head]); head += 1
                        let z = i / plane, y = (i % plane) / cols, x = i % cols
                        for (dz, dy, dx) in offsets {
                            let nz = z + dz, ny = y + dy, nx = x + dx
                            if nz < 0 || nz >= slices || ny < 0 || ny >= rows || nx < 0 || nx >= cols {
                                continue
                            }
                            let j = (nz * rows + ny) * cols + nx
                            if m[j] != 0 && lab[j] == 0 {
                                lab[j] = label
                                queue.append(Int32(j))
                            }
                        }
                    }
                    sizes.append(queue.count)
                }
            }
        }
        return Components(size: size, labels: labels, sizes: sizes)
    }

    /// The `n` largest components (face connectivity unless given).
    public static func largest(_ mask: BinaryMask, count n: Int,
                               connectivity: Connectivity = .face) -> BinaryMask {
        let comps = label(mask, connectivity: connectivity)
        return comps.mask(of: Set(comps.labelsBySize.prefix(n)), spacing: mask.spacing)
    }
}
