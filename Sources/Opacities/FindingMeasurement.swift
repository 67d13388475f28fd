import Segmentation
import Volumes

/// The per-finding steps of `FocalOpacityDetector` over the lung's box: the half-way edge and
/// the measurements.
struct Context {
    var hu: [Float]
    var lung: [UInt8]
    var tubular: [UInt8]
    var box: Box
    var size: VolumeSize
    var geometry: Geometry
    var midlineX: Double
    var settings: FocalOpacitySettings
    /// Per box row (slice-major): x (LPS mm) of the right lung's and the left lung's medial
    /// edges on it, when both lungs cross the row.
    var medialEdges: [(right: Double, left: Double)?] = []

    /// Fills `medialEdges`: the right lung lies at x below the midline, the left above.
    mutating func findMedialEdges() {
        medialEdges = Array(repeating: nil, count: box.rows * box.slices)
        for line in 0..<(box.rows * box.slices) {
            var right = -Double.infinity, left = Double.infinity
            for c in 0..<box.columns where lung[line * box.columns + c] != 0 {
                let x = xPosition(line * box.columns + c)
                if x < midlineX { right = max(right, x) } else { left = min(left, x) }
            }
            if right.isFinite, left.isFinite { medialEdges[line] = (right, left) }
        }
    }

    func xPosition(_ b: Int) -> Double {
        let p = box.coordinates(b)
        return geometry.position(column: Double(p.c + box.c0), row: Double(p.r + box.r0), slice: Double(p.k + box.k0)).x
    }

    /// True for a voxel outside the lungs between their medial edges on its row: the
    /// mediastinum and the hila, not the chest wall.
    func isMediastinal(_ b: Int) -> Bool {
        guard lung[b] == 0, let edges = medialEdges[b / box.columns] else { return false }
        let x = xPosition(b)
        return x > edges.right && x < edges.left
    }

    static let nearMM = 2.0, farMM = 5.0, aeratedFallbackHU: Float = -850

    /// The finding's voxels (box indices, ascending) around component `voxels`.
    func refine(_ voxels: [Int]) -> [Int] {
        let s = geometry.spacing
        let pad = (c: Int((Self.farMM / s.x).rounded(.up)) + 1, r: Int((Self.farMM / s.y).rounded(.up)) + 1,
                   k: Int((Self.farMM / s.z).rounded(.up)) + 1)
        var lo = (c: Int.max, r: Int.max, k: Int.max), hi = (c: Int.min, r: Int.min, k: Int.min)
        for b in voxels {
            let p = box.coordinates(b)
            lo = (min(lo.c, p.c), min(lo.r, p.r), min(lo.k, p.k)); hi = (max(hi.c, p.c), max(hi.r, p.r), max(hi.k, p.k))
        }
        let c0 = max(0, lo.c - pad.c), r0 = max(0, lo.r - pad.r), k0 = max(0, lo.k - pad.k)
        let l = Box(c0: c0, r0: r0, k0: k0, columns: min(box.columns - 1, hi.c + pad.c) - c0 + 1,
                    rows: min(box.rows - 1, hi.r + pad.r) - r0 + 1, slices: min(box.slices - 1, hi.k + pad.k) - k0 + 1)
        let localSize = VolumeSize(columns: l.columns, rows: l.rows, slices: l.slices)
        func toBox(_ i: Int) -> Int {
            let p = l.coordinates(i)
            return box.index(p.c + l.c0, p.r + l.r0, p.k + l.k0)
        }
        var component = [UInt8](repeating: 0, count: l.count)
        for b in voxels {
            let p = box.coordinates(b)
            component[l.index(p.c - l.c0, p.r - l.r0, p.k - l.k0)] = 1
        }
        let mask = BinaryMask(size: localSize, spacing: geometry.spacing, voxels: component)
        let near = Morphology.dilate(mask, radius: Self.nearMM), far = Morphology.dilate(mask, radius: Self.farMM)
        let core = Self.median(voxels.map { hu[$0] })
        var surrounding: [Float] = []
        for i in 0..<l.count where far.voxels[i] != 0 && near.voxels[i] == 0 {
            let b = toBox(i)
            if lung[b] != 0, Double(hu[b]) < settings.groundGlassHU { surrounding.append(hu[b]) }
        }
        let background = surrounding.isEmpty ? Self.aeratedFallbackHU : Self.median(surrounding)
        let level = (core + background) / 2
        var out: [Int] = []
        for i in 0..<l.count where near.voxels[i] != 0 {
            let b = toBox(i)
            if lung[b] != 0, tubular[b] == 0, hu[b] >= level { out.append(b) }
        }
        return out.sorted()
    }

    /// What touches a finding: of the voxels just outside it (face neighbours), the share
    /// outside the lung mask and the share the tube filter called tubular.
    func surroundings(_ voxels: [Int]) -> (outsideLung: Double, tubular: Double, mediastinal: Double) {
        let inside = Set(voxels)
        var shell = Set<Int>()
        for b in voxels {
            let p = box.coordinates(b)
            for (dc, dr, dk) in [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)] {
                let c = p.c + dc, r = p.r + dr, k = p.k + dk
                guard c >= 0, r >= 0, k >= 0, c < box.columns, r < box.rows, k < box.slices else { continue }
                let n = box.index(c, r, k)
                if !inside.contains(n) { shell.insert(n) }
            }
        }
        guard !shell.isEmpty else { return (0, 0, 0) }
        let outside = shell.filter { lung[$0] == 0 }.count, tubes = shell.filter { tubular[$0] != 0 }.count
        let mediastinal = shell.filter(isMediastinal).count
        let n = Double(shell.count)
        return (Double(outside) / n, Double(tubes) / n, Double(mediastinal) / n)
    }

    /// Measures a finding given its voxels (box indices); `id` is set by the caller.
    func measure(_ voxels: [Int]) -> FocalFinding {
        var sum = 0.0, low = Double.infinity, high = -Double.infinity, solid = 0
        var centre = SIMD3<Double>(repeating: 0)
        var bySlice: [Int: [(c: Int, r: Int)]] = [:]
        for b in voxels {
            let v = Double(hu[b])
            sum += v; low = min(low, v); high = max(high, v)
            if v >= settings.solidHU { solid += 1 }
            let p = box.coordinates(b)
            let (c, r, k) = (p.c + box.c0, p.r + box.r0, p.k + box.k0)
            centre += SIMD3(Double(c), Double(r), Double(k))
            bySlice[k, default: []].append((c, r))
        }
        let n = Double(voxels.count)
        centre /= n
        let position = geometry.position(column: centre.x, row: centre.y, slice: centre.z)
        var best = (slice: 0, longest: 0.0, perpendicular: 0.0)
        for k in bySlice.keys.sorted() {
            let d = Self.diameters(bySlice[k]!, spacing: geometry.spacing)
            if d.longest > best.longest { best = (k, d.longest, d.perpendicular) }
        }
        let share = Double(solid) / n
        let kind: OpacityClass = share >= settings.solidShare ? .solid : share >= settings.partSolidShare ? .partSolid : .groundGlass
        return FocalFinding(id: 0, volumeCM3: n * geometry.voxelVolume / 1000, longestDiameterMM: best.longest,
                            perpendicularDiameterMM: best.perpendicular, diameterSlice: best.slice,
                            meanHU: sum / n, minHU: low, maxHU: high, solidShare: share, kind: kind,
                            centreLPS: [position.x, position.y, position.z],
                            side: position.x > midlineX ? "left" : "right", voxelCount: voxels.count)
    }

    /// RECIST diameters of one axial section (pixels as (column, row)): the longest distance
    /// between two pixels of its outline, and the section's extent perpendicular to that line;
    /// both edge to edge (the pixels' own extent along the direction is added).
    static func diameters(_ pixels: [(c: Int, r: Int)], spacing: SIMD3<Double>) -> (longest: Double, perpendicular: Double) {
        let set = Set(pixels.map { $0.r &* 1_000_003 &+ $0.c })
        let outline = pixels.filter { p in
            !(set.contains((p.r - 1) &* 1_000_003 &+ p.c) && set.contains((p.r + 1) &* 1_000_003 &+ p.c)
              && set.contains(p.r &* 1_000_003 &+ p.c - 1) && set.contains(p.r &* 1_000_003 &+ p.c + 1))
        }
        let points = outline.map { SIMD2(Double($0.c) * spacing.x, Double($0.r) * spacing.y) }
        var best = (d2: -1.0, a: 0, b: 0)
        for i in points.indices {
            for j in points.indices where j > i {
                let d = points[i] - points[j]
                let d2 = (d * d).sum()
                if d2 > best.d2 { best = (d2, i, j) }
            }
        }
        func extent(of u: SIMD2<Double>) -> Double { abs(u.x) * spacing.x + abs(u.y) * spacing.y }
        guard best.d2 > 0 else { return (max(spacing.x, spacing.y), min(spacing.x, spacing.y)) }
        let u = (points[best.b] - points[best.a]) / best.d2.squareRoot()
        let v = SIMD2(-u.y, u.x)
        let projections = points.map { ($0 * v).sum() }
        let width = (projections.max()! - projections.min()!) + extent(of: v)
        return (best.d2.squareRoot() + extent(of: u), width)
    }

    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
