/// Pooling on the planes layout: every (channel, image) plane is pooled on its own, so the
/// functions take the number of planes, C·N.
public enum Pooling {
    /// Output size of max pooling.
    public static func maxPoolOutput(_ size: Int, kernel: Int = 3, stride: Int = 2, padding: Int = 1) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }

    /// Max pooling (padding never wins: it acts as −∞).
    public static func maxPool(_ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                               kernel: Int = 3, stride: Int = 2, padding: Int = 1,
                               into y: UnsafeMutablePointer<Float>) {
        let ho = maxPoolOutput(h, kernel: kernel, stride: stride, padding: padding)
        let wo = maxPoolOutput(w, kernel: kernel, stride: stride, padding: padding)
        if kernel == 3 && stride == 2 && padding == 1 {
            OpProfile.measure("maxpool") { maxPool3x3s2(x, planes: planes, height: h, width: w, into: y) }
            return
        }
        parallelFor(planes, costPerItem: ho * wo * kernel * kernel) { pl in
            let src = x + pl * h * w, dst = y + pl * ho * wo
            for oy in 0..<ho {
                let y0 = max(0, oy * stride - padding), y1 = min(h, oy * stride - padding + kernel)
                for ox in 0..<wo {
                    let x0 = max(0, ox * stride - padding), x1 = min(w, ox * stride - padding + kernel)
                    var m = -Float.infinity
                    for iy in y0..<y1 { for ix in x0..<x1 { m = max(m, src[iy * w + ix]) } }
                    dst[oy * wo + ox] = m
                }
            }
        }
    }

    /// The stem's 3×3 stride-2 pad-1 pool without bounds tests: a window clipped by the border
    /// repeats an inside row/column instead (max is idempotent), and the vertical max of the
    /// three rows is taken once per column.
    static func maxPool3x3s2(_ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
                             into y: UnsafeMutablePointer<Float>) {
        let ho = (h - 1) / 2 + 1, wo = (w - 1) / 2 + 1
        parallelFor(planes, costPerItem: ho * wo * 9) { pl in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { buf in
                let colMax = buf.baseAddress!
                let src = x + pl * h * w, dst = y + pl * ho * wo
                for oy in 0..<ho {
                    let ra = src + max(2 * oy - 1, 0) * w, rb = src + 2 * oy * w, rc = src + min(2 * oy + 1, h - 1) * w
                    for i in 0..<w { colMax[i] = max(max(ra[i], rb[i]), rc[i]) }
                    let out = dst + oy * wo
                    out[0] = max(colMax[0], colMax[min(1, w - 1)])
                    for ox in 1..<max(wo, 1) {
                        out[ox] = max(max(colMax[2 * ox - 1], colMax[2 * ox]), colMax[min(2 * ox + 1, w - 1)])
                    }
                }
            }
        }
    }

    /// Max pooling backward: each output's gradient goes to the first position holding the
    /// maximum (recomputed from x, so no index buffer is kept). dx is overwritten.
    public static func maxPoolBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, planes: Int,
                                       height h: Int, width w: Int, kernel: Int = 3, stride: Int = 2,
                                       padding: Int = 1, into dx: UnsafeMutablePointer<Float>) {
        let ho = maxPoolOutput(h, kernel: kernel, stride: stride, padding: padding)
        let wo = maxPoolOutput(w, kernel: kernel, stride: stride, padding: padding)
        dx.update(repeating: 0, count: planes * h * w)
        parallelFor(planes, costPerItem: ho * wo * kernel * kernel) { pl in
            let src = x + pl * h * w, g = dy + pl * ho * wo, d = dx + pl * h * w
            for oy in 0..<ho {
                let y0 = max(0, oy * stride - padding), y1 = min(h, oy * stride - padding + kernel)
                for ox in 0..<wo {
                    let x0 = max(0, ox * stride - padding), x1 = min(w, ox * stride - padding + kernel)
                    var m = -Float.infinity, at = y0 * w + x0
                    for iy in y0..<y1 { for ix in x0..<x1 where src[iy * w + ix] > m { m = src[iy * w + ix]; at = iy * w + ix } }
                    d[at] += g[oy * wo + ox]
                }
            }
        }
    }

    /// y[pl] = mean of plane pl.
    public static func globalAverage(_ x: UnsafePointer<Float>, planes: Int, plane: Int, into y: UnsafeMutablePointer<Float>) {
        for pl in 0..<planes {
            var s: Float = 0
            let src = x + pl * plane
            for i in 0..<plane { s += src[i] }
            y[pl] = s / Float(plane)
        }
    }

    /// dx[pl][i] = dy[pl] / plane (+ dx if `accumulate`).
    public static func globalAverageBackward(_ dy: UnsafePointer<Float>, planes: Int, plane: Int,
                                             into dx: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        for pl in 0..<planes {
            let g = dy[pl] / Float(plane)
            let d = dx + pl * plane
            if accumulate { for i in 0..<plane { d[i] += g } } else { d.update(repeating: g, count: plane) }
        }
    }
}
