import Dispatch
import Imaging
import Volumes

/// Exact squared Euclidean distance transform in millimetres (Felzenszwalb & Huttenlocher,
/// "Distance transforms of sampled functions", 2012): one 1D lower-envelope pass per axis,
/// so the cost is O(voxels) per axis whatever the distances, with anisotropic spacing.
///
/// Why distances instead of sliding a structuring element: a ball of radius r over a
/// 512×512 slice costs O(r²) per pixel; thresholding the distance map costs O(1).
public enum DistanceTransform {
    /// Squared distance (mm²) from each voxel to the nearest voxel where `mask != 0`
    /// (`toInside == true`) or `mask == 0` (`toInside == false`). Voxels outside the grid are
    /// not features. Lines without any feature give `Float.infinity`.
    /// - Parameter planar: per-slice 2D distances (column and row axes only) when true.
    public static func squaredDistances(_ mask: BinaryMask, toInside: Bool, planar: Bool) -> [Float] {
        let size = mask.size
        var d = [Float](repeating: 0, count: size.count)
        for i in 0..<size.count where (mask.voxels[i] != 0) != toInside { d[i] = .infinity }
        let cols = size.columns, rows = size.rows, slices = size.slices
        let sx = Float(mask.spacing.x), sy = Float(mask.spacing.y), sz = Float(mask.spacing.z)
        d.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            // Along columns: each (slice, row) line is contiguous.
            parallelChunks(slices * rows) { lines in
                var scratch = Scratch(capacity: cols)
                for line in lines { scratch.transform(base + line * cols, count: cols, stride: 1, spacing: sx) }
            }
            // Along rows: lines of stride `cols` inside each slice.
            parallelChunks(slices * cols) { lines in
                var scratch = Scratch(capacity: rows)
                for line in lines {
                    let k = line / cols, c = line % cols
                    scratch.transform(base + k * rows * cols + c, count: rows, stride: cols, spacing: sy)
                }
            }
            if !planar && slices > 1 {
                parallelChunks(rows * cols) { lines in
                    var scratch = Scratch(capacity: slices)
                    for line in lines {
                        scratch.transform(base + line, count: slices, stride: rows * cols, spacing: sz)
                    }
                }
            }
        }
        return d
    }

    /// Work buffers of one 1D pass.
    private struct Scratch {
        var g: [Float], v: [Int], z: [Float]
        init(capacity n: Int) {
            g = [Float](repeating: 0, count: n)
            v = [Int](repeating: 0, count: n)
            z = [Float](repeating: 0, count: n + 1)
        }

        /// In place: out[i] = min_j f[j] + (spacing·(i − j))², sites with f = ∞ skipped.
        mutating func transform(_ p: UnsafeMutablePointer<Float>, count n: Int, stride: Int,
                                spacing s: Float) {
            var k = -1
            for q in 0..<n {
                let fq = p[q * stride]
                g[q] = fq
                guard fq < .infinity else { continue }
                let xq = Float(q) * s
                if k < 0 { k = 0; v[0] = q; z[0] = -.infinity; continue }
                while true {
                    let r = v[k], xr = Float(r) * s
                    let cut = ((fq + xq * xq) - (g[r] + xr * xr)) / (2 * (xq - xr))
                    if cut <= z[k] && k > 0 { k -= 1; continue }
                    if cut <= z[k] { v[0] = q; z[0] = -.infinity; break }  // only when k == 0
                    k += 1; v[k] = q; z[k] = cut
                    break
                }
            }
            guard k >= 0 else { return }  // no site: stays ∞
            z[k + 1] = .infinity
            var j = 0
            for q in 0..<n {
                let x = Float(q) * s
                while z[j + 1] < x { j += 1 }
                let dx = x - Float(v[j]) * s
                p[q * stride] = dx * dx + g[v[j]]
            }
        }
    }
}

/// Runs `body(i)` for i in 0..<n over the available cores, in contiguous chunks.
func parallelFor(_ n: Int, _ body: (Int) -> Void) {
    parallelChunks(n) { range in for i in range { body(i) } }
}
