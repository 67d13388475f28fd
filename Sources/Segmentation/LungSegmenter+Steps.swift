import Imaging
import Volumes

extension LungSegmenter {
    /// Per slice: largest 8-connected region above `threshold`, holes filled. Raw buffers
    /// and one label buffer per worker: this runs on every pixel of the study.
    static func body(_ volume: Volume, threshold: Double) -> BinaryMask {
        let size = volume.size, plane = size.sliceCount
        let cols = size.columns, rows = size.rows
        let limit = Int16(clamping: Int(threshold.rounded()))
        let offsets = ConnectedComponents.offsets(.full, planar: true)
        var out = [UInt8](repeating: 0, count: size.count)
        volume.voxels.withUnsafeBufferPointer { hu in
            out.withUnsafeMutableBufferPointer { buf in
                let base = buf.baseAddress!, huBase = hu.baseAddress!
                parallelChunks(size.slices) { range in
                    let labels = UnsafeMutableBufferPointer<Int32>.allocate(capacity: plane)
                    defer { labels.deallocate() }
                    for k in range {
                        let p = base + k * plane, h = huBase + k * plane
                        for i in 0..<plane { p[i] = h[i] > limit ? 1 : 0 }
                        labels.initialize(repeating: 0)
                        let sizes = ConnectedComponents.flood(UnsafeBufferPointer(start: p, count: plane), labels,
                                                              cols: cols, rows: rows, slices: 1, offsets: offsets)
                        guard let largest = sizes.indices.max(by: { sizes[$0] < sizes[$1] }) else { continue }
                        let keep = Int32(largest + 1)
                        for i in 0..<plane { p[i] = labels[i] == keep ? 1 : 0 }
                        HoleFilling.fillSlice(p, columns: cols, rows: rows)
                    }
                }
            }
        }
        return BinaryMask(size: size, spacing: volume.geometry.spacing, voxels: out)
    }

    /// Mean column of the body in each slice (the midline), nil for slices without body.
    static func midlines(_ body: BinaryMask) -> [Double?] {
        let s = body.size
        return (0..<s.slices).map { k in
            var sum = 0, n = 0
            for r in 0..<s.rows {
                let base = (k * s.rows + r) * s.columns
                for c in 0..<s.columns where body.voxels[base + c] != 0 { sum += c; n += 1 }
            }
            return n == 0 ? nil : Double(sum) / Double(n)
        }
    }

    /// The lungs as separately closable parts: the two components, or, when the lungs touch
    /// (one component), its halves on either side of the body midline of each slice.
    static func split(_ lungs: BinaryMask, body: BinaryMask) -> [BinaryMask] {
        let comps = ConnectedComponents.label(lungs, connectivity: .face)
        if comps.count >= 2 {
            return comps.labelsBySize.prefix(2).map { comps.mask(of: [$0], spacing: lungs.spacing) }
        }
        return splitAtMidline(lungs, body: body)
    }

    /// The halves of a mask on either side of the body midline of each slice.
    static func splitAtMidline(_ lungs: BinaryMask, body: BinaryMask) -> [BinaryMask] {
        let mid = midlines(body)
        let s = lungs.size
        var left = BinaryMask(size: s, spacing: lungs.spacing)
        var right = left
        for k in 0..<s.slices {
            let m = mid[k] ?? Double(s.columns) / 2
            for r in 0..<s.rows {
                let base = (k * s.rows + r) * s.columns
                for c in 0..<s.columns where lungs.voxels[base + c] != 0 {
                    if Double(c) < m { left.voxels[base + c] = 1 } else { right.voxels[base + c] = 1 }
                }
            }
        }
        return [left, right]
    }

    /// 2D closing of each slice with a disk of `radius` mm, computed on the slice's bounding
    /// box grown by the radius (plus a margin so the dilation never reaches the crop edge).
    static func closePerSlice(_ part: BinaryMask, radius: Double) -> BinaryMask {
        let s = part.size, plane = s.sliceCount
        let pad = Int((radius / min(part.spacing.x, part.spacing.y)).rounded(.up)) + 2
        var out = [UInt8](repeating: 0, count: s.count)
        // Work inside the part's 3D box: most of the grid is never touched.
        guard let whole = GridBox(boundingNonZeroOf: part) else { return BinaryMask(size: s, spacing: part.spacing) }
        let region = whole.grown(by: pad, slicesBy: 0, within: s)
        let crop = part.cropped(to: region)
        out.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            parallelFor(region.slices.count) { kk in
                let slice = crop.slice(kk)
                guard let box = GridBox(boundingNonZeroOf: slice)?.grown(by: pad, slicesBy: 0,
                                                                         within: slice.size) else { return }
                let closed = Morphology.close(slice.cropped(to: box), radius: radius, planar: true)
                let k = region.slices.lowerBound + kk
                var i = 0
                for r in box.rows {
                    for c in box.columns {
                        if closed.voxels[i] != 0 {
                            base[k * plane + (r + region.rows.lowerBound) * s.columns + c + region.columns.lowerBound] = 1
                        }
                        i += 1
                    }
                }
            }
        }
        return BinaryMask(size: s, spacing: part.spacing, voxels: out)
    }
}
