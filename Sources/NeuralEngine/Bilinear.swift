/// Bilinear resize with half-pixel centres (align_corners = false), as PyTorch's
/// `interpolate(mode: "bilinear", align_corners: false)` and OpenCV `resize`. Separable;
/// along an axis of input length n and output length m, output d reads
/// src = clamp((d + 0.5)·n/m − 0.5, 0, n − 1), i0 = ⌊src⌋, i1 = min(i0 + 1, n − 1), f = src − i0.
public enum Bilinear {
    struct Tap { let i0: Int, i1: Int, f: Float }

    static func taps(input n: Int, output m: Int) -> [Tap] {
        (0..<m).map { d in
            var src = (Double(d) + 0.5) * Double(n) / Double(m) - 0.5
            src = min(max(src, 0), Double(n - 1))
            let i0 = Int(src.rounded(.down))
            return Tap(i0: i0, i1: min(i0 + 1, n - 1), f: Float(src - Double(i0)))
        }
    }

    /// Resizes `planes` planes of h×w to oh×ow.
    public static func resize(_ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                              toHeight oh: Int, width ow: Int, into y: UnsafeMutablePointer<Float>) {
        let ty = taps(input: h, output: oh), tx = taps(input: w, output: ow)
        var rowBuf = [Float](repeating: 0, count: h * ow)
        for pl in 0..<planes {
            let src = x + pl * h * w, dst = y + pl * oh * ow
            // Along x first, for every input row; then along y.
            for r in 0..<h {
                for (d, t) in tx.enumerated() {
                    rowBuf[r * ow + d] = (1 - t.f) * src[r * w + t.i0] + t.f * src[r * w + t.i1]
                }
            }
            for (d, t) in ty.enumerated() {
                for c in 0..<ow {
                    dst[d * ow + c] = (1 - t.f) * rowBuf[t.i0 * ow + c] + t.f * rowBuf[t.i1 * ow + c]
                }
            }
        }
    }

    /// The adjoint of `resize` (its backward): dx is overwritten.
    public static func resizeBackward(_ dy: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                                      fromHeight oh: Int, width ow: Int, into dx: UnsafeMutablePointer<Float>) {
        let ty = taps(input: h, output: oh), tx = taps(input: w, output: ow)
        var rowBuf = [Float](repeating: 0, count: h * ow)
        dx.update(repeating: 0, count: planes * h * w)
        for pl in 0..<planes {
            let g = dy + pl * oh * ow, d = dx + pl * h * w
            for i in rowBuf.indices { rowBuf[i] = 0 }
            for (r, t) in ty.enumerated() {
                for c in 0..<ow {
                    rowBuf[t.i0 * ow + c] += (1 - t.f) * g[r * ow + c]
                    rowBuf[t.i1 * ow + c] += t.f * g[r * ow + c]
                }
            }
            for r in 0..<h {
                for (c, t) in tx.enumerated() {
                    d[r * w + t.i0] += (1 - t.f) * rowBuf[r * ow + c]
                    d[r * w + t.i1] += t.f * rowBuf[r * ow + c]
                }
            }
        }
    }
}
