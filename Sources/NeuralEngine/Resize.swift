/// Resampling on the planes layout (every plane on its own).
public enum Resize {
    /// Bilinear ×2 with half-pixel centres, as PyTorch's `interpolate(scale_factor=2,
    /// mode="bilinear", align_corners=False)` and ONNX Resize "linear" / "half_pixel": output
    /// pixel o samples the input at o/2 − 1/4, clamped to the image.
    public static func bilinearDouble(_ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                                      into y: UnsafeMutablePointer<Float>) {
        let ho = 2 * h, wo = 2 * w
        func taps(_ o: Int, _ n: Int) -> (Int, Int, Float) {
            let s = max(Float(o) / 2 - 0.25, 0)
            let i0 = min(Int(s), n - 1)
            return (i0, min(i0 + 1, n - 1), s - Float(i0))
        }
        let rows = (0..<ho).map { taps($0, h) }, columns = (0..<wo).map { taps($0, w) }
        parallelFor(planes, costPerItem: ho * wo * 4) { p in
            let src = x + p * h * w, dst = y + p * ho * wo
            for (oy, (r0, r1, ly)) in rows.enumerated() {
                let a = src + r0 * w, b = src + r1 * w, out = dst + oy * wo
                for (ox, (c0, c1, lx)) in columns.enumerated() {
                    let top = a[c0] + (a[c1] - a[c0]) * lx, bottom = b[c0] + (b[c1] - b[c0]) * lx
                    out[ox] = top + (bottom - top) * ly
                }
            }
        }
    }
}

extension Resize {
    /// The adjoint of `bilinearDouble`: each output gradient goes back to its four input
    /// taps with the same weights. dx [planes][h][w] is overwritten.
    public static func bilinearDoubleBackward(_ dy: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                                              into dx: UnsafeMutablePointer<Float>) {
        let ho = 2 * h, wo = 2 * w
        func taps(_ o: Int, _ n: Int) -> (Int, Int, Float) {
            let s = max(Float(o) / 2 - 0.25, 0)
            let i0 = min(Int(s), n - 1)
            return (i0, min(i0 + 1, n - 1), s - Float(i0))
        }
        let rows = (0..<ho).map { taps($0, h) }, columns = (0..<wo).map { taps($0, w) }
        dx.update(repeating: 0, count: planes * h * w)
        parallelFor(planes, costPerItem: ho * wo * 4) { p in
            let g = dy + p * ho * wo, d = dx + p * h * w
            for (oy, (r0, r1, ly)) in rows.enumerated() {
                for (ox, (c0, c1, lx)) in columns.enumerated() {
                    let v = g[oy * wo + ox]
                    d[r0 * w + c0] += v * (1 - ly) * (1 - lx)
                    d[r0 * w + c1] += v * (1 - ly) * lx
                    d[r1 * w + c0] += v * ly * (1 - lx)
                    d[r1 * w + c1] += v * ly * lx
                }
            }
        }
    }
}
