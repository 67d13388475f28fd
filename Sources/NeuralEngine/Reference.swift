import Imaging
/// Plain-loop reference implementations of the engine's ops, NCHW [N][C][H][W] arrays,
/// written straight from the definitions. Tests compare the BLAS paths with these.
public enum Reference {
    /// y[n][o][oy][ox] = Σ_{c,ky,kx} w[o][c][ky][kx] · x[n][c][oy·s−p+ky][ox·s−p+kx] + b[o] (zero padding).
    public static func conv2d(_ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: [Float], bias: [Float],
                              outChannels co: Int, kernel k: Int, stride s: Int, padding p: Int) -> [Float] {
        let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
        var y = [Float](repeating: 0, count: n * co * ho * wo)
        for b in 0..<n { for o in 0..<co { for oy in 0..<ho { for ox in 0..<wo {
            var acc = Double(bias[o])
            for ci in 0..<c { for ky in 0..<k { for kx in 0..<k {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                acc += Double(weight[((o * c + ci) * k + ky) * k + kx]) * Double(x[((b * c + ci) * h + iy) * w + ix])
            } } }
            y[((b * co + o) * ho + oy) * wo + ox] = Float(acc)
        } } } }
        return y
    }

    /// Eval-mode BatchNorm per channel: (x − mean)/sqrt(var + eps)·γ + β.
    public static func batchNorm(_ x: [Float], n: Int, c: Int, plane: Int, gamma: [Float], beta: [Float],
                                 mean: [Float], variance: [Float], eps: Double = 1e-5) -> [Float] {
        var y = x
        for b in 0..<n { for ch in 0..<c { for i in 0..<plane {
            let j = (b * c + ch) * plane + i
            y[j] = Float((Double(x[j]) - Double(mean[ch])) / (Double(variance[ch]) + eps).squareRoot()
                * Double(gamma[ch]) + Double(beta[ch]))
        } } }
        return y
    }

    /// Max pool over every plane; out-of-range taps are ignored.
    public static func maxPool(_ x: [Float], planes: Int, h: Int, w: Int, kernel k: Int, stride s: Int, padding p: Int) -> [Float] {
        let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
        var y = [Float](repeating: -.infinity, count: planes * ho * wo)
        for pl in 0..<planes { for oy in 0..<ho { for ox in 0..<wo { for ky in 0..<k { for kx in 0..<k {
            let iy = oy * s - p + ky, ix = ox * s - p + kx
            if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
            y[(pl * ho + oy) * wo + ox] = max(y[(pl * ho + oy) * wo + ox], x[(pl * h + iy) * w + ix])
        } } } } }
        return y
    }

    /// Bilinear, half-pixel centres, written as a 2-D formula (not separable passes).
    public static func resize(_ x: [Float], h: Int, w: Int, toHeight oh: Int, width ow: Int) -> [Float] {
        func coord(_ d: Int, _ n: Int, _ m: Int) -> (Int, Int, Double) {
            let src = min(max((Double(d) + 0.5) * Double(n) / Double(m) - 0.5, 0), Double(n - 1))
            let i0 = Int(src.rounded(.down))
            return (i0, min(i0 + 1, n - 1), src - Double(i0))
        }
        var y = [Float](repeating: 0, count: oh * ow)
        for r in 0..<oh { for c in 0..<ow {
            let (y0, y1, fy) = coord(r, h, oh), (x0, x1, fx) = coord(c, w, ow)
            let v = (1 - fy) * ((1 - fx) * Double(x[y0 * w + x0]) + fx * Double(x[y0 * w + x1]))
                + fy * ((1 - fx) * Double(x[y1 * w + x0]) + fx * Double(x[y1 * w + x1]))
            y[r * ow + c] = Float(v)
        } }
        return y
    }
}
