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
    /// Neighbour offsets (dz, dy, dx) of a connectivity.
    static func offsets(_ connectivity: Connectivity, planar: Bool) -> [(Int, Int, Int)] {
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
        return offsets
    }

    public static func label(_ mask: BinaryMask, connectivity: Connectivity = .face,
                             planar: Bool = false) -> Components {
        let size = mask.size
        let cols = size.columns, rows = size.rows, slices = size.slices
        let offsets = offsets(connectivity, planar: planar)
        var labels = [Int32](repeating: 0, count: size.count)
        let sizes = mask.voxels.withUnsafeBufferPointer { m in
            labels.withUnsafeMutableBufferPointer { lab in
                flood(m, lab, cols: cols, rows: rows, slices: slices, offsets: offsets)
            }
        }
        return Components(size: size, labels: labels, sizes: sizes)
    }

    /// Two-pass raster labelling with union-find (path compression, the smaller label wins):
    /// it reads memory in order, where a breadth-first flood jumps between slices and was
    /// most of the segmentation time. Final labels follow first appearance in raster order.
    static func flood(_ m: UnsafeBufferPointer<UInt8>, _ lab: UnsafeMutableBufferPointer<Int32>,
                              cols: Int, rows: Int, slices: Int, offsets: [(Int, Int, Int)]) -> [Int] {
        // Neighbours already visited in raster order.
        let backward = offsets.filter { ($0.0 * rows + $0.1) * cols + $0.2 < 0 }
        let count = backward.count
        let linear = backward.map { ($0.0 * rows + $0.1) * cols + $0.2 }
        let dzs = backward.map(\.0), dys = backward.map(\.1), dxs = backward.map(\.2)
        guard !m.isEmpty else { return [] }
        let mp = m.baseAddress!, lp = lab.baseAddress!
        var foreground = 0
        for j in 0..<m.count where mp[j] != 0 { foreground += 1 }
        // At most one provisional label per foreground voxel, plus the unused 0.
        let parent = UnsafeMutablePointer<Int32>.allocate(capacity: foreground + 1)
        defer { parent.deallocate() }
        parent[0] = 0
        var labelCount = 0
        @inline(__always) func find(_ a: Int32) -> Int32 {
            var root = a
            while parent[Int(root)] != root { root = parent[Int(root)] }
            var c = a
            while parent[Int(c)] != root { let next = parent[Int(c)]; parent[Int(c)] = root; c = next }
            return root
        }
        var i = 0
        for z in 0..<slices {
            for y in 0..<rows {
                for x in 0..<cols {
                    defer { i += 1 }
                    guard mp[i] != 0 else { continue }
                    var current: Int32 = 0
                    var lastLabel: Int32 = 0, lastRoot: Int32 = 0  // neighbours often repeat
                    for n in 0..<count {
                        let nz = z + dzs[n], ny = y + dys[n], nx = x + dxs[n]
                        if nz < 0 || ny < 0 || ny >= rows || nx < 0 || nx >= cols { continue }
                        let l = lp[i + linear[n]]
                        if l == 0 { continue }
                        let r: Int32
                        if l == lastLabel { r = lastRoot } else { r = find(l); lastLabel = l; lastRoot = r }
                        if current == 0 {
                            current = r
                        } else if r != current {
                            let (keep, drop) = r < current ? (r, current) : (current, r)
                            parent[Int(drop)] = keep
                            current = keep
                            lastLabel = 0  // roots changed
                        }
                    }
                    if current == 0 {
                        labelCount += 1
                        current = Int32(labelCount)
                        parent[labelCount] = current
                    }
                    lp[i] = current
                }
            }
        }
        var final = [Int32](repeating: 0, count: labelCount + 1)
        var sizes: [Int] = []
        for j in 0..<m.count where lp[j] != 0 {
            let r = Int(find(lp[j]))
            if final[r] == 0 {
                sizes.append(0)
                final[r] = Int32(sizes.count)
            }
            lp[j] = final[r]
            sizes[Int(final[r]) - 1] += 1
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
