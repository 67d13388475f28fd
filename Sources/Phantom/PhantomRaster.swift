import Imaging
import Segmentation
import Volumes

/// Samples the phantom on a grid: anatomy, vessels and airways at voxel centres; lesions
/// with partial volume (4×4×4 sub-samples over the voxel, the slice thickness included),
/// so their HU blends with the lung at the edges as in a real scan; then seeded noise.
struct PhantomRaster {
    let size: VolumeSize
    let geometry: Geometry
    let anatomy: PhantomAnatomy
    let vessels: [PhantomTube]
    let lesions: [PhantomLesion]
    static let subsamples = 4

    func render(noiseSigma: Double, seed: UInt64) -> (hu: [Int16], lung: [UInt8], lesion: [UInt8]) {
        var hu = [Int16](repeating: 0, count: size.count)
        var lung = [UInt8](repeating: 0, count: size.count)
        var lesion = [UInt8](repeating: 0, count: size.count)
        hu.withUnsafeMutableBufferPointer { h in
            lung.withUnsafeMutableBufferPointer { l in
                lesion.withUnsafeMutableBufferPointer { m in
                    let hp = h.baseAddress!, lp = l.baseAddress!, mp = m.baseAddress!
                    parallelChunks(size.slices) { slices in
                        for k in slices { renderSlice(k, hu: hp, lung: lp, lesion: mp, noiseSigma: noiseSigma, seed: seed) }
                    }
                }
            }
        }
        return (hu, lung, lesion)
    }

    /// A tube with its in-plane bounding box as plain numbers (cheap per-voxel checks).
    private struct Boxed {
        let tube: PhantomTube
        let x0, x1, y0, y1: Double
        init(_ t: PhantomTube) {
            tube = t
            let lo = t.lower, hi = t.upper
            x0 = lo.x; x1 = hi.x; y0 = lo.y; y1 = hi.y
        }
        func near(_ x: Double, _ y: Double) -> Bool { x >= x0 && x <= x1 && y >= y0 && y <= y1 }
    }

    private func renderSlice(_ k: Int, hu: UnsafeMutablePointer<Int16>, lung: UnsafeMutablePointer<UInt8>,
                             lesion: UnsafeMutablePointer<UInt8>, noiseSigma: Double, seed: UInt64) {
        let sx = geometry.spacing.x, sy = geometry.spacing.y, sz = geometry.spacing.z
        let ox = geometry.origin.x, oy = geometry.origin.y
        let z = geometry.origin.z + Double(k) * sz  // axial grid: identity directions
        let tubes = vessels.filter { $0.lower.z <= z && $0.upper.z >= z }.map(Boxed.init)
        let airways = anatomy.airways.filter { $0.lower.z <= z && $0.upper.z >= z }.map(Boxed.init)
        let near = lesions.filter { abs($0.centre.z - z) <= $0.semiAxes.z + sz / 2 }
        // Per-slice seed, so slices can be rendered in parallel and stay reproducible.
        var rng = SplitMix64(seed: seed ^ (UInt64(k + 1) &* 0xD1B5_4A32_D192_ED03))
        for r in 0..<size.rows {
            let y = oy + Double(r) * sy
            for c in 0..<size.columns {
                let x = ox + Double(c) * sx
                let i = (k * size.rows + r) * size.columns + c
                var value = anatomy.baseHU(x: x, y: y, z: z)
                var inLung = anatomy.isLung(x: x, y: y, z: z)
                if inLung, tubes.contains(where: { $0.near(x, y) && $0.tube.contains(x: x, y: y, z: z) }) {
                    value = PhantomAnatomy.softTissueHU
                }
                if value > PhantomAnatomy.airHU,
                   airways.contains(where: { $0.near(x, y) && $0.tube.contains(x: x, y: y, z: z, grow: 1.5) }) {
                    let lumen = airways.contains(where: { $0.tube.contains(x: x, y: y, z: z) })
                    value = lumen ? PhantomAnatomy.airHU : PhantomAnatomy.softTissueHU
                }
                for l in near where abs(x - l.centre.x) <= l.semiAxes.x + sx
                    && abs(y - l.centre.y) <= l.semiAxes.y + sy {
                    let f = fraction(of: l, x: x, y: y, z: z)
                    guard f > 0 else { continue }
                    value = (1 - f) * value + f * l.hu
                    if f >= 0.5 { lesion[i] = l.kind.label; inLung = true }
                }
                if noiseSigma > 0 { value += noiseSigma * rng.gaussian() }
                hu[i] = Int16(max(-1024, min(3071, value.rounded())))
                lung[i] = inLung ? 1 : 0
            }
        }
    }

    /// Share of the voxel centred at (x, y, z) inside the lesion, from sub-sample centres;
    /// voxels clearly inside or outside skip the sub-sampling.
    private func fraction(of l: PhantomLesion, x: Double, y: Double, z: Double) -> Double {
        let sx = geometry.spacing.x, sy = geometry.spacing.y, sz = geometry.spacing.z
        let ax = l.semiAxes.x, ay = l.semiAxes.y, az = l.semiAxes.z
        let cx = l.centre.x, cy = l.centre.y, cz = l.centre.z
        let u = (x - cx) / ax, v = (y - cy) / ay, w = (z - cz) / az
        let rho = (u * u + v * v + w * w).squareRoot()
        // Half-diagonal of the voxel in normalised units bounds how far a corner can be.
        let reach = 0.5 * ((sx / ax) * (sx / ax) + (sy / ay) * (sy / ay) + (sz / az) * (sz / az)).squareRoot()
        if rho + reach < 1 { return 1 }
        if rho - reach > 1 { return 0 }
        let n = Self.subsamples
        var inside = 0
        for a in 0..<n {
            let px = (x + ((Double(a) + 0.5) / Double(n) - 0.5) * sx - cx) / ax
            for b in 0..<n {
                let py = (y + ((Double(b) + 0.5) / Double(n) - 0.5) * sy - cy) / ay
                for c in 0..<n {
                    let pz = (z + ((Double(c) + 0.5) / Double(n) - 0.5) * sz - cz) / az
                    if px * px + py * py + pz * pz <= 1 { inside += 1 }
                }
            }
        }
        return Double(inside) / Double(n * n * n)
    }
}
