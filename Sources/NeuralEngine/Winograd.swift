import COpenBLAS

/// Winograd F(2×2, 3×3) for 3×3, stride-1, padding-1 convolutions (13 of ResNet-50's 16
/// 3×3 convs): 16 multiplications per 2×2 output tile instead of 36, done as 16 GEMMs
/// M[ξ][Cout, T] = U[ξ][Cout, Cin] × V[ξ][Cin, T] over all T tiles of a chunk of images.
/// Transforms (Lavin & Gray 2016): U = G g Gᵀ, V = Bᵀ d B, Y = Aᵀ M A; every coefficient is
/// 0, ±1 or ±½, so the result stays within a few ulps of the direct convolution.
/// The backward pass is the exact adjoint: dV[ξ] = U[ξ]ᵀ dM[ξ], no second weight copy.
/// Works on the planes layout [C][N][H][W] like `Conv2D`.
public final class WinogradF2: @unchecked Sendable {
    public let inChannels: Int, outChannels: Int
    /// [16][Cout][Cin]
    let u: [Float]

    /// `weight` is [Cout][Cin][3][3].
    public init(weight: [Float], inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var u = [Float](repeating: 0, count: 16 * outChannels * inChannels)
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                let k = (o * inChannels + c) * 9
                // t = G·w (4×3), then U = t·Gᵀ (4×4), in Double
                var t = [[Double]](repeating: [0, 0, 0], count: 4)
                for i in 0..<4 { for j in 0..<3 { for l in 0..<3 { t[i][j] += g[i][l] * Double(weight[k + l * 3 + j]) } } }
                for i in 0..<4 {
                    for j in 0..<4 {
                        var s = 0.0
                        for l in 0..<3 { s += t[i][l] * g[j][l] }
                        u[((i * 4 + j) * outChannels + o) * inChannels + c] = Float(s)
                    }
                }
            }
        }
        self.u = u
    }

    /// Images per chunk so that V and M stay within `Conv2D.columnBudget` floats each.
    func chunkSize(n: Int, tiles: Int) -> Int {
        max(1, min(n, Conv2D.columnBudget / max(16 * max(inChannels, outChannels) * tiles, 1)))
    }

    public func forward(_ x: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, accumulate: Bool, workspace: Workspace) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw
        let chunk = chunkSize(n: n, tiles: tiles)
        let v = workspace.buffer("winograd.v", count: 16 * inChannels * chunk * tiles)
        let m = workspace.buffer("winograd.m", count: 16 * outChannels * chunk * tiles)
        var n0 = 0
        while n0 < n {
            let c = min(chunk, n - n0), t = c * tiles
            inputTransform(x, n: n, h: h, w: w, firstImage: n0, images: c, into: v)
            u.withUnsafeBufferPointer { up in
                for xi in 0..<16 {
                    // [Cout, T] = [Cout, Cin] × [Cin, T]
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(t), Int32(inChannels),
                                1, up.baseAddress! + xi * outChannels * inChannels, Int32(inChannels),
                                v + xi * inChannels * t, Int32(t), 0, m + xi * outChannels * t, Int32(t))
                }
            }
            outputTransform(m, n: n, h: h, w: w, firstImage: n0, images: c, into: y, accumulate: accumulate)
            n0 += c
        }
    }

    /// dx = ∂/∂x given dy (both full size, stride 1), the adjoint of `forward`.
    public func backwardInput(_ dy: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                              into dx: UnsafeMutablePointer<Float>, accumulate: Bool, workspace: Workspace) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw
        let chunk = chunkSize(n: n, tiles: tiles)
        let dm = workspace.buffer("winograd.m", count: 16 * outChannels * chunk * tiles)
        let dv = workspace.buffer("winograd.v", count: 16 * inChannels * chunk * tiles)
        if !accumulate { dx.update(repeating: 0, count: inChannels * n * h * w) }
        var n0 = 0
        while n0 < n {
            let c = min(chunk, n - n0), t = c * tiles
            outputTransformAdjoint(dy, n: n, h: h, w: w, firstImage: n0, images: c, into: dm)
            u.withUnsafeBufferPointer { up in
                for xi in 0..<16 {
                    // [Cin, T] = [Cin, Cout] (Uᵀ) × [Cout, T]
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(inChannels), Int32(t), Int32(outChannels),
                                1, up.baseAddress! + xi * outChannels * inChannels, Int32(inChannels),
                                dm + xi * outChannels * t, Int32(t), 0, dv + xi * inChannels * t, Int32(t))
                }
            }
            inputTransformAdjointAdd(dv, n: n, h: h, w: w, firstImage: n0, images: c, into: dx)
            n0 += c
        }
    }

    /// V[ξ][c][tile] = (Bᵀ d B)[ξ] for every 4×4 input window d at (2ty − 1, 2tx − 1).
    func inputTransform(_ x: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                        into v: UnsafeMutablePointer<Float>) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, t = images * th * tw
        let cin = inChannels
        let stride = cin * t  // between consecutive ξ
        parallelFor(cin, costPerItem: 16 * images * th * tw) { c in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { scratch in
                let d = scratch.baseAddress!, b = d + 16
                for img in 0..<images {
                    let src = x + (c * n + firstImage + img) * h * w
                    var out = v + c * t + img * th * tw
                    for ty in 0..<th {
                        let y0 = 2 * ty - 1
                        let rowsInside = y0 >= 0 && y0 + 3 < h
                        for tx in 0..<tw {
                            let x0 = 2 * tx - 1
                            if rowsInside && x0 >= 0 && x0 + 3 < w {
                                for r in 0..<4 {
                                    let s = src + (y0 + r) * w + x0
                                    d[r * 4] = s[0]; d[r * 4 + 1] = s[1]; d[r * 4 + 2] = s[2]; d[r * 4 + 3] = s[3]
                                }
                            } else {
                                for r in 0..<4 {
                                    let yy = y0 + r
                                    for q in 0..<4 {
                                        let xx = x0 + q
                                        d[r * 4 + q] = (yy >= 0 && yy < h && xx >= 0 && xx < w) ? src[yy * w + xx] : 0
                                    }
                                }
                            }
                            // rows: Bᵀ d
                            for q in 0..<4 {
                                let d0 = d[q], d1 = d[4 + q], d2 = d[8 + q], d3 = d[12 + q]
                                b[q] = d0 - d2
                                b[4 + q] = d1 + d2
                                b[8 + q] = d2 - d1
                                b[12 + q] = d1 - d3
                            }
                            // columns: (Bᵀ d) B
                            for r in 0..<4 {
                                let b0 = b[r * 4], b1 = b[r * 4 + 1], b2 = b[r * 4 + 2], b3 = b[r * 4 + 3]
                                let o = out + (r * 4) * stride
                                o[0] = b0 - b2
                                o[stride] = b1 + b2
                                o[2 * stride] = b2 - b1
                                o[3 * stride] = b1 - b3
                            }
                            out += 1
                        }
                    }
                }
            }
        }
    }

    /// y[o] tile (2ty.., 2tx..) = Aᵀ M A (clipped at the border), plus y if `accumulate`.
    func outputTransform(_ m: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                         into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, t = images * th * tw
        let cout = outChannels
        parallelFor(cout, costPerItem: 16 * images * th * tw) { o in
            for img in 0..<images {
                let dst = y + (o * n + firstImage + img) * h * w
                var col = o * t + img * th * tw
                for ty in 0..<th {
                    for tx in 0..<tw {
                        @inline(__always) func mm(_ xi: Int) -> Float { m[(xi * cout) * t + col] }
                        // rows: Aᵀ M (2×4)
                        var r0 = (Float(0), Float(0), Float(0), Float(0)), r1 = r0
                        r0.0 = mm(0) + mm(4) + mm(8); r1.0 = mm(4) - mm(8) - mm(12)
                        r0.1 = mm(1) + mm(5) + mm(9); r1.1 = mm(5) - mm(9) - mm(13)
                        r0.2 = mm(2) + mm(6) + mm(10); r1.2 = mm(6) - mm(10) - mm(14)
                        r0.3 = mm(3) + mm(7) + mm(11); r1.3 = mm(7) - mm(11) - mm(15)
                        // columns: (Aᵀ M) A
                        let y00 = r0.0 + r0.1 + r0.2, y01 = r0.1 - r0.2 - r0.3
                        let y10 = r1.0 + r1.1 + r1.2, y11 = r1.1 - r1.2 - r1.3
                        let oy = 2 * ty, ox = 2 * tx
                        let p = dst + oy * w + ox
                        let right = ox + 1 < w, down = oy + 1 < h
                        if accumulate {
                            p[0] += y00
                            if right { p[1] += y01 }
                            if down { p[w] += y10; if right { p[w + 1] += y11 } }
                        } else {
                            p[0] = y00
                            if right { p[1] = y01 }
                            if down { p[w] = y10; if right { p[w + 1] = y11 } }
                        }
                        col += 1
                    }
                }
            }
        }
    }

    /// Adjoint of `outputTransform`: dM[ξ] = (A dY Aᵀ)[ξ], dY zero outside the image.
    func outputTransformAdjoint(_ dy: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                                into dm: UnsafeMutablePointer<Float>) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, t = images * th * tw
        let cout = outChannels
        parallelFor(cout, costPerItem: 16 * images * th * tw) { o in
            for img in 0..<images {
                let src = dy + (o * n + firstImage + img) * h * w
                var col = o * t + img * th * tw
                for ty in 0..<th {
                    for tx in 0..<tw {
                        let oy = 2 * ty, ox = 2 * tx
                        let p = src + oy * w + ox
                        let right = ox + 1 < w, down = oy + 1 < h
                        let g00 = p[0], g01: Float = right ? p[1] : 0
                        let g10: Float = down ? p[w] : 0, g11: Float = (down && right) ? p[w + 1] : 0
                        // A = [[1,0],[1,1],[1,−1],[0,−1]]: row r of A·dY is (a, b); (A dY) Aᵀ row r = (a, a+b, a−b, −b)
                        let s = cout * t
                        @inline(__always) func put(_ r: Int, _ a: Float, _ b: Float) {
                            let base = dm + (r * 4) * s + col
                            base[0] = a
                            base[s] = a + b
                            base[2 * s] = a - b
                            base[3 * s] = -b
                        }
                        put(0, g00, g01)
                        put(1, g00 + g10, g01 + g11)
                        put(2, g00 - g10, g01 - g11)
                        put(3, -g10, -g11)
                        col += 1
                    }
                }
            }
        }
    }

    /// Adjoint of `inputTransform`: dx window += B dV Bᵀ, padding positions dropped.
    func inputTransformAdjointAdd(_ dv: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                                  into dx: UnsafeMutablePointer<Float>) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, t = images * th * tw
        let cin = inChannels
        parallelFor(cin, costPerItem: 16 * images * th * tw) { c in
            var e = [Float](repeating: 0, count: 16)
            var f = [Float](repeating: 0, count: 16)
            for img in 0..<images {
                let dst = dx + (c * n + firstImage + img) * h * w
                var col = c * t + img * th * tw
                for ty in 0..<th {
                    for tx in 0..<tw {
                        for xi in 0..<16 { e[xi] = dv[(xi * cin) * t + col] }
                        // B = [[1,0,0,0],[0,1,−1,1],[−1,1,1,0],[0,0,0,−1]]; rows: B·E
                        for q in 0..<4 {
                            let e0 = e[q], e1 = e[4 + q], e2 = e[8 + q], e3 = e[12 + q]
                            f[q] = e0
                            f[4 + q] = e1 - e2 + e3
                            f[8 + q] = -e0 + e1 + e2
                            f[12 + q] = -e3
                        }
                        // columns: (B E) Bᵀ, then scatter-add
                        let y0 = 2 * ty - 1, x0 = 2 * tx - 1
                        for r in 0..<4 {
                            let yy = y0 + r
                            if yy < 0 || yy >= h { continue }
                            let f0 = f[r * 4], f1 = f[r * 4 + 1], f2 = f[r * 4 + 2], f3 = f[r * 4 + 3]
                            let vals = (f0, f1 - f2 + f3, -f0 + f1 + f2, -f3)
                            let row = dst + yy * w
                            if x0 >= 0 { row[x0] += vals.0 }
                            row[x0 + 1] += vals.1
                            if x0 + 2 < w { row[x0 + 2] += vals.2 }
                            if x0 + 3 < w { row[x0 + 3] += vals.3 }
                        }
                        col += 1
                    }
                }
            }
        }
    }
}
