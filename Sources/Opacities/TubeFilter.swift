import Imaging
import Foundation
import Segmentation

/// Finds bright tubes (vessels, airway walls seen end-on) among candidate voxels with the
/// multi-scale Hessian vesselness of Frangi et al. (1998): at each scale σ the Hessian of the
/// Gaussian-smoothed volume, scaled by σ² so scales compare, has eigenvalues
/// |l1| ≤ |l2| ≤ |l3|; a bright tube has l2, l3 ≪ 0 and l1 ≈ 0, a blob (a focal opacity) has
/// all three alike, a plate (the flank of a large opacity) one large. Vesselness
///   V = (1 − exp(−Ra²/2α²)) · exp(−Rb²/2β²) · (1 − exp(−S²/2c²)),
///   Ra = |l2|/|l3| (tube vs plate), Rb = |l1|/√|l2 l3| (tube vs blob), S = ‖l‖,
/// with α = β = 0.5 and c = 60 HU (the σ²-scaled curvature of a faint vessel). The largest V
/// over the scales is compared with a threshold and with the largest blobness: the rim of a
/// small flattened opacity looks like a tube at a fine scale but like a blob at a coarser one.
struct TubeFilter {
    /// A box of the volume in HU (Float), with its voxel spacing (mm: column, row, slice).
    var values: [Float]
    var columns: Int, rows: Int, slices: Int
    var spacing: SIMD3<Double>

    static let alpha = 0.5, beta = 0.25, c = 60.0

    /// Best vesselness and best blobness over `scales` (mm) at each voxel of `indices`
    /// (linear indices of the box).
    func responses(at indices: [Int], scales: [Double]) -> (vesselness: [Float], blobness: [Float]) {
        var tube = [Float](repeating: 0, count: indices.count), blob = tube
        for sigma in scales {
            let smooth = smoothed(sigma: sigma)
            let s2 = Float(sigma * sigma)
            tube.withUnsafeMutableBufferPointer { t in
                blob.withUnsafeMutableBufferPointer { b in
                    smooth.withUnsafeBufferPointer { g in
                        let tp = t.baseAddress!, bp = b.baseAddress!
                        parallelChunks(indices.count) { range in
                            for n in range {
                                let r = responses(g, at: indices[n], scale2: s2)
                                if r.tube > tp[n] { tp[n] = r.tube }
                                if r.blob > bp[n] { bp[n] = r.blob }
                            }
                        }
                    }
                }
            }
        }
        return (tube, blob)
    }

    /// Vesselness, and blobness (|l1|/|l3| where all three are negative, times the same
    /// structure term): 1 for a bright sphere, 0 for a tube or a plate.
    private func responses(_ g: UnsafeBufferPointer<Float>, at i: Int, scale2: Float) -> (tube: Float, blob: Float) {
        let plane = columns * rows
        let c = i % columns, r = (i / columns) % rows, k = i / plane
        guard c > 0, r > 0, k > 0, c < columns - 1, r < rows - 1, k < slices - 1 else { return (0, 0) }
        let sx = Float(spacing.x), sy = Float(spacing.y), sz = Float(spacing.z)
        let dx = 1, dy = columns, dz = plane
        let v = g[i]
        let hxx = (g[i + dx] - 2 * v + g[i - dx]) / (sx * sx)
        let hyy = (g[i + dy] - 2 * v + g[i - dy]) / (sy * sy)
        let hzz = (g[i + dz] - 2 * v + g[i - dz]) / (sz * sz)
        let hxy = (g[i + dx + dy] - g[i + dx - dy] - g[i - dx + dy] + g[i - dx - dy]) / (4 * sx * sy)
        let hxz = (g[i + dx + dz] - g[i + dx - dz] - g[i - dx + dz] + g[i - dx - dz]) / (4 * sx * sz)
        let hyz = (g[i + dy + dz] - g[i + dy - dz] - g[i - dy + dz] + g[i - dy - dz]) / (4 * sy * sz)
        var l = Self.eigenvalues(Double(hxx * scale2), Double(hyy * scale2), Double(hzz * scale2),
                                 Double(hxy * scale2), Double(hxz * scale2), Double(hyz * scale2))
        l.sort { abs($0) < abs($1) }
        let (l1, l2, l3) = (l[0], l[1], l[2])
        guard l2 < 0, l3 < 0 else { return (0, 0) }  // bright structures only
        let ra = abs(l2) / abs(l3), rb = abs(l1) / (abs(l2 * l3)).squareRoot()
        let s2 = l1 * l1 + l2 * l2 + l3 * l3
        let a = 1 - exp(-ra * ra / (2 * Self.alpha * Self.alpha))
        let b = exp(-rb * rb / (2 * Self.beta * Self.beta))
        let s = 1 - exp(-s2 / (2 * Self.c * Self.c))
        let blob = l1 < 0 ? abs(l1) / abs(l3) * s : 0
        return (Float(a * b * s), Float(blob))
    }

    /// Eigenvalues of the symmetric matrix [[a, d, e], [d, b, f], [e, f, c]] (closed form,
    /// trigonometric; Smith 1961).
    static func eigenvalues(_ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double, _ f: Double) -> [Double] {
        let p1 = d * d + e * e + f * f
        if p1 < 1e-12 * max(1, a * a + b * b + c * c) { return [a, b, c] }
        let q = (a + b + c) / 3
        let p2 = (a - q) * (a - q) + (b - q) * (b - q) + (c - q) * (c - q) + 2 * p1
        let p = (p2 / 6).squareRoot()
        let b11 = (a - q) / p, b22 = (b - q) / p, b33 = (c - q) / p, b12 = d / p, b13 = e / p, b23 = f / p
        let det = b11 * (b22 * b33 - b23 * b23) - b12 * (b12 * b33 - b23 * b13) + b13 * (b12 * b23 - b22 * b13)
        let r = max(-1, min(1, det / 2))
        let phi = acos(r) / 3
        let e1 = q + 2 * p * cos(phi)
        let e3 = q + 2 * p * cos(phi + 2 * Double.pi / 3)
        return [e1, 3 * q - e1 - e3, e3]
    }

    /// The box smoothed by a Gaussian of `sigma` mm along each axis (separable, edges clamped).
    func smoothed(sigma: Double) -> [Float] {
        var a = values
        var b = [Float](repeating: 0, count: values.count)
        convolve(&a, into: &b, kernel: Self.kernel(sigma: sigma / spacing.x), stride: 1, length: columns)
        convolve(&b, into: &a, kernel: Self.kernel(sigma: sigma / spacing.y), stride: columns, length: rows)
        convolve(&a, into: &b, kernel: Self.kernel(sigma: sigma / spacing.z), stride: columns * rows, length: slices)
        return b
    }

    /// Normalised Gaussian taps for a σ in voxels (radius 3σ; a single tap below 0.3 voxel).
    static func kernel(sigma: Double) -> [Float] {
        guard sigma >= 0.3 else { return [1] }
        let radius = Int((3 * sigma).rounded(.up))
        let taps = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        return taps.map { Float($0 / total) }
    }

    /// 1D convolution along one axis (`stride` between neighbours, `length` along it).
    private func convolve(_ input: inout [Float], into output: inout [Float], kernel: [Float], stride: Int, length: Int) {
        let radius = kernel.count / 2
        let lines = values.count / length
        let columns = self.columns
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                kernel.withUnsafeBufferPointer { w in
                    let s = src.baseAddress!, d = dst.baseAddress!
                    parallelChunks(lines) { range in
                        for line in range {
                            // The first voxel of the line: lines along x start every row; along
                            // y and z they start at each (column, other axis) pair.
                            let start: Int
                            if stride == 1 { start = line * length }
                            else if stride == columns { start = (line / columns) * columns * length + line % columns }
                            else { start = line }
                            for t in 0..<length {
                                var sum: Float = 0
                                for j in 0..<w.count {
                                    let u = min(max(t + j - radius, 0), length - 1)
                                    sum += w[j] * s[start + u * stride]
                                }
                                d[start + t * stride] = sum
                            }
                        }
                    }
                }
            }
        }
    }
}
