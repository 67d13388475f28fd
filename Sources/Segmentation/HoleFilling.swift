/// Hole filling slice by slice: background pixels that cannot reach the slice border through
/// background (4-connected, the usual dual of 8-connected objects) become foreground.
public enum HoleFilling {
    public static func fillPerSlice(_ mask: BinaryMask) -> BinaryMask {
        let cols = mask.size.columns, rows = mask.size.rows, plane = cols * rows
        var out = mask.voxels.map { $0 != 0 ? UInt8(1) : 0 }
        out.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            parallelFor(mask.size.slices) { k in
                fillSlice(base + k * plane, columns: cols, rows: rows)
            }
        }
        return BinaryMask(size: mask.size, spacing: mask.spacing, voxels: out)
    }

    /// In place on one slice of 0/1 values: marks outside background 2, then 0/1 → 1, 2 → 0.
    static func fillSlice(_ p: UnsafeMutablePointer<UInt8>, columns cols: Int, rows: Int) {
        var stack: [Int32] = []
        func push(_ i: Int) {
            if p[i] == 0 { p[i] = 2; stack.append(Int32(i)) }
        }
        for c in 0..<cols { push(c); push((rows - 1) * cols + c) }
        for r in 0..<rows { push(r * cols); push(r * cols + cols - 1) }
        while let top = stack.popLast() {
            let i = Int(top), r = i / cols, c = i % cols
            if c > 0 { push(i - 1) }
            if c < cols - 1 { push(i + 1) }
            if r > 0 { push(i - cols) }
            if r < rows - 1 { push(i + cols) }
        }
        for i in 0..<(cols * rows) { p[i] = p[i] == 2 ? 0 : 1 }
    }
}

extension HoleFilling {
    /// 3D hole filling: background voxels not connected (6-connectivity) to the border of
    /// the mask's bounding box grown by one voxel become foreground. Unlike the per-slice
    /// fill it leaves alone background that reaches the outside through another slice
    /// (the liver dome under a lung base, ringed by lung in axial slices).
    public static func fill3D(_ mask: BinaryMask) -> BinaryMask {
        guard let box = GridBox(boundingNonZeroOf: mask)?.grown(by: 1, within: mask.size) else {
            return mask
        }
        var crop = mask.cropped(to: box)
        let s = crop.size, cols = s.columns, rows = s.rows, slices = s.slices
        crop.voxels.withUnsafeMutableBufferPointer { p in
            var stack: [Int32] = []
            func push(_ i: Int) { if p[i] == 0 { p[i] = 2; stack.append(Int32(i)) } }
            for z in 0..<slices {
                for y in 0..<rows {
                    for x in 0..<cols where z == 0 || z == slices - 1 || y == 0 || y == rows - 1
                        || x == 0 || x == cols - 1 {
                        push((z * rows + y) * cols + x)
                    }
                }
            }
            while let top = stack.popLast() {
                let i = Int(top), z = i / (rows * cols), y = (i / cols) % rows, x = i % cols
                if x > 0 { push(i - 1) }
                if x < cols - 1 { push(i + 1) }
                if y > 0 { push(i - cols) }
                if y < rows - 1 { push(i + cols) }
                if z > 0 { push(i - rows * cols) }
                if z < slices - 1 { push(i + rows * cols) }
            }
            for i in 0..<p.count { p[i] = p[i] == 2 ? 0 : 1 }
        }
        var out = mask
        out.paste(crop, at: box)
        return out
    }
}
