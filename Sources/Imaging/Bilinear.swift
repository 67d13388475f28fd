/// Bilinear resampling with half-pixel centres (align_corners = false), the convention of
/// `torch.nn.functional.interpolate(mode: "bilinear")`, OpenCV `resize` and the Grad-CAM
/// upsampling of the engine fixtures. Separable; output index d along an axis of input
/// length n and output length m samples the input at
///     src = (d + 0.5) · n / m − 0.5, clamped to [0, n − 1],
/// between i0 = ⌊src⌋ and i1 = min(i0 + 1, n − 1) with weight f = src − i0 on i1. The same
/// rule maps a 224×224 map back onto an h×w crop, so "resize back" is exactly the inverse
/// coordinate map of the forward resize (pixel centres line up in both directions).
public enum Bilinear {
    /// Sampling taps for one axis: for each output index, (i0, i1, weight of i1).
    public struct Taps: Sendable {
        public var i0: [Int]
        public var i1: [Int]
        public var f: [Float]

        public init(input n: Int, output m: Int) {
            precondition(n > 0 && m > 0, "bilinear axis lengths must be positive")
            i0 = []; i1 = []; f = []
            i0.reserveCapacity(m); i1.reserveCapacity(m); f.reserveCapacity(m)
            for d in 0..<m {
                var src = (Double(d) + 0.5) * Double(n) / Double(m) - 0.5
                src = min(max(src, 0), Double(n - 1))
                let lo = Int(src.rounded(.down))
                i0.append(lo)
                i1.append(min(lo + 1, n - 1))
                f.append(Float(src - Double(lo)))
            }
        }
    }

    /// Resizes `planes` row-major planes of h×w to oh×ow (along x first, then along y).
    public static func resize(_ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                              toHeight oh: Int, width ow: Int, into y: UnsafeMutablePointer<Float>) {
        let ty = Taps(input: h, output: oh), tx = Taps(input: w, output: ow)
        var rowBuf = [Float](repeating: 0, count: h * ow)
        for pl in 0..<planes {
            let src = x + pl * h * w, dst = y + pl * oh * ow
            for r in 0..<h {
                for d in 0..<ow {
                    let f = tx.f[d]
                    rowBuf[r * ow + d] = (1 - f) * src[r * w + tx.i0[d]] + f * src[r * w + tx.i1[d]]
                }
            }
            for d in 0..<oh {
                let f = ty.f[d], r0 = ty.i0[d] * ow, r1 = ty.i1[d] * ow
                for c in 0..<ow { dst[d * ow + c] = (1 - f) * rowBuf[r0 + c] + f * rowBuf[r1 + c] }
            }
        }
    }

    /// Resizes a row-major `rows × columns` image to `outRows × outColumns`.
    public static func resize(_ input: [Float], rows: Int, columns: Int, outRows: Int, outColumns: Int) -> [Float] {
        precondition(input.count == rows * columns, "image size mismatch")
        var out = [Float](repeating: 0, count: outRows * outColumns)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                resize(src.baseAddress!, planes: 1, height: rows, width: columns, toHeight: outRows, width: outColumns,
                       into: dst.baseAddress!)
            }
        }
        return out
    }

    /// The adjoint of `resize` (its backward): dx is overwritten.
    public static func resizeBackward(_ dy: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                                      fromHeight oh: Int, width ow: Int, into dx: UnsafeMutablePointer<Float>) {
        let ty = Taps(input: h, output: oh), tx = Taps(input: w, output: ow)
        var rowBuf = [Float](repeating: 0, count: h * ow)
        dx.update(repeating: 0, count: planes * h * w)
        for pl in 0..<planes {
            let g = dy + pl * oh * ow, d = dx + pl * h * w
            for i in rowBuf.indices { rowBuf[i] = 0 }
            for r in 0..<oh {
                let f = ty.f[r], r0 = ty.i0[r] * ow, r1 = ty.i1[r] * ow
                for c in 0..<ow {
                    rowBuf[r0 + c] += (1 - f) * g[r * ow + c]
                    rowBuf[r1 + c] += f * g[r * ow + c]
                }
            }
            for r in 0..<h {
                for c in 0..<ow {
                    let f = tx.f[c]
                    d[r * w + tx.i0[c]] += (1 - f) * rowBuf[r * ow + c]
                    d[r * w + tx.i1[c]] += f * rowBuf[r * ow + c]
                }
            }
        }
    }
}
