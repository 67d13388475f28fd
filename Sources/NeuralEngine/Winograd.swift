/// Winograd F(2×2, 3×3) for 3×3, stride-1, padding-1 convolutions (13 of ResNet-50's 16
/// 3×3 convs): 16 multiplications per 2×2 output tile instead of 36, done as 16 GEMMs
/// M[ξ][Cout, T] = U[ξ][Cout, Cin] × V[ξ][Cin, T] over all T tiles of a chunk of images.
/// Transforms (Lavin & Gray 2016): U = G g Gᵀ, V = Bᵀ d B, Y = Aᵀ M A; every coefficient is
/// 0, ±1 or ±½, so the result stays within a few ulps of the direct convolution.
/// The backward pass is the exact adjoint: dV[ξ] = U[ξ]ᵀ dM[ξ], no second weight copy.
/// The 16 GEMMs are independent: they are spread over the threads whole (one slice's GEMMs
/// are too narrow to cut), which keeps results independent of the thread count.
/// Works on the planes layout [C][N][H][W] like `Conv2D`.
/// Deliberately parallel kernels: `WinogradF4` follows the same chunked pipeline (input
/// transform → GEMM per point → output transform) with its own tile algebra, and
/// `backwardInput` runs this `forward` step for step in adjoint form; the duplicate finder
/// pairs them by shape.
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

    /// Images per chunk so that V and M stay within `policy.columnBudget` floats each.
    func chunkSize(n: Int, tiles: Int, policy: ConvolutionPolicy) -> Int {
        max(1, min(n, policy.columnBudget / max(16 * max(inChannels, outChannels) * tiles, 1)))
    }

    /// y = conv(x) (+ y if `accumulate`); with `biasReLU`, y = max(conv(x) + bias, 0) applied
    /// in the output transform, while the tile is in registers (not with `accumulate`).
    public func forward(_ x: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, accumulate: Bool, biasReLU: UnsafePointer<Float>? = nil,
                        policy: ConvolutionPolicy = .standard, workspace: Workspace) {
        precondition(biasReLU == nil || !accumulate, "bias+ReLU epilogue with accumulate")
        let th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw
        let chunk = chunkSize(n: n, tiles: tiles, policy: policy)
        let v = workspace.buffer("winograd.v", count: 16 * inChannels * chunk * tiles)
        // +8: slack for the output transform's full-width loads of a last partial group
        let m = workspace.buffer("winograd.m", count: 16 * outChannels * chunk * tiles + 8)
        var n0 = 0
        while n0 < n {
            let c = min(chunk, n - n0), t = c * tiles
            OpProfile.measure("winograd.input") { inputTransform(x, n: n, h: h, w: w, firstImage: n0, images: c, into: v) }
            OpProfile.measure("winograd.gemm") { u.withUnsafeBufferPointer { up in
                EngineThreads.concurrently(16) { xi in
                    // [Cout, T] = [Cout, Cin] × [Cin, T]
                    gemm(transA: false, transB: false, m: outChannels, n: t, k: inChannels,
                         up.baseAddress! + xi * outChannels * inChannels, lda: inChannels,
                         v + xi * inChannels * t, ldb: t, beta: 0, m + xi * outChannels * t, ldc: t)
                }
            } }
            OpProfile.measure("winograd.output") {
                outputTransform(m, n: n, h: h, w: w, firstImage: n0, images: c, into: y, accumulate: accumulate, biasReLU: biasReLU)
            }
            n0 += c
        }
    }

    /// dx = ∂/∂x given dy (both full size, stride 1), the adjoint of `forward`.
    public func backwardInput(_ dy: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                              into dx: UnsafeMutablePointer<Float>, accumulate: Bool,
                              policy: ConvolutionPolicy = .standard, workspace: Workspace) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw
        let chunk = chunkSize(n: n, tiles: tiles, policy: policy)
        let dm = workspace.buffer("winograd.m", count: 16 * outChannels * chunk * tiles + 8)
        let dv = workspace.buffer("winograd.v", count: 16 * inChannels * chunk * tiles)
        if !accumulate { dx.update(repeating: 0, count: inChannels * n * h * w) }
        var n0 = 0
        while n0 < n {
            let c = min(chunk, n - n0), t = c * tiles
            OpProfile.measure("back.winograd.output") {
                outputTransformAdjoint(dy, n: n, h: h, w: w, firstImage: n0, images: c, into: dm)
            }
            OpProfile.measure("back.winograd.gemm") { u.withUnsafeBufferPointer { up in
                EngineThreads.concurrently(16) { xi in
                    // [Cin, T] = [Cin, Cout] (Uᵀ) × [Cout, T]
                    gemm(transA: true, transB: false, m: inChannels, n: t, k: outChannels,
                         up.baseAddress! + xi * outChannels * inChannels, lda: inChannels,
                         dm + xi * outChannels * t, ldb: t, beta: 0, dv + xi * inChannels * t, ldc: t)
                }
            } }
            OpProfile.measure("back.winograd.input") {
                inputTransformAdjointAdd(dv, n: n, h: h, w: w, firstImage: n0, images: c, into: dx)
            }
            n0 += c
        }
    }

    /// V[ξ][c][tile] = (Bᵀ d B)[ξ] for every 4×4 input window d at (2ty − 1, 2tx − 1).
    /// Eight horizontally adjacent tiles at a time in SIMD lanes: their window columns are
    /// the even/odd lanes of two 16-wide loads from a zero-padded copy of the input row.
    func inputTransform(_ x: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                        into v: UnsafeMutablePointer<Float>) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, t = images * th * tw
        let cin = inChannels
        let stride = cin * t  // between consecutive ξ
        let rowLen = 2 * tw + 2 + 32
        parallelFor(cin, costPerItem: 16 * images * th * tw) { c in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * rowLen + 8) { scratch in
                let rows = scratch.baseAddress!, lanes = rows + 4 * rowLen
                rows.update(repeating: 0, count: 4 * rowLen)
                for img in 0..<images {
                    let src = x + (c * n + firstImage + img) * h * w
                    let out0 = v + c * t + img * th * tw
                    for ty in 0..<th {
                        // padded rows 2ty−1 … 2ty+2: prow[i] = src[row][i − 1], zero outside
                        for r in 0..<4 {
                            let yy = 2 * ty - 1 + r
                            let pr = rows + r * rowLen
                            if yy >= 0 && yy < h {
                                (pr + 1).update(from: src + yy * w, count: w)
                            } else {
                                (pr + 1).update(repeating: 0, count: w)
                            }
                        }
                        var tx0 = 0
                        while tx0 < tw {
                            let cnt = min(8, tw - tx0)
                            // d[r][q]: lanes j = tiles tx0 + j
                            let out = out0 + ty * tw + tx0
                            @inline(__always) func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
                                UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
                            }
                            @inline(__always) func window(_ r: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                                let p = rows + r * rowLen + 2 * tx0
                                let a = load16(p), b = load16(p + 2)
                                return (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
                            }
                            let w0 = window(0), w1 = window(1), w2 = window(2), w3 = window(3)
                            // rows: Bᵀ d
                            let b0 = (w0.0 - w2.0, w0.1 - w2.1, w0.2 - w2.2, w0.3 - w2.3)
                            let b1 = (w1.0 + w2.0, w1.1 + w2.1, w1.2 + w2.2, w1.3 + w2.3)
                            let b2 = (w2.0 - w1.0, w2.1 - w1.1, w2.2 - w1.2, w2.3 - w1.3)
                            let b3 = (w1.0 - w3.0, w1.1 - w3.1, w1.2 - w3.2, w1.3 - w3.3)
                            // A partial group's lanes past cnt land on later tiles of this
                            // channel, which this loop writes afterwards, as long as the
                            // channel has eight tiles left; else on another channel's.
                            let whole = (img * th + ty) * tw + tx0 + 8 <= t
                            @inline(__always) func store(_ xi: Int, _ val: SIMD8<Float>) {
                                let o = out + xi * stride
                                if whole {
                                    UnsafeMutableRawPointer(o).storeBytes(of: val, as: SIMD8<Float>.self)
                                } else {
                                    UnsafeMutableRawPointer(lanes).storeBytes(of: val, as: SIMD8<Float>.self)
                                    o.update(from: lanes, count: cnt)
                                }
                            }
                            // columns: (Bᵀ d) B
                            @inline(__always) func cols(_ r: Int, _ b: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)) {
                                store(r * 4, b.0 - b.2)
                                store(r * 4 + 1, b.1 + b.2)
                                store(r * 4 + 2, b.2 - b.1)
                                store(r * 4 + 3, b.1 - b.3)
                            }
                            cols(0, b0); cols(1, b1); cols(2, b2); cols(3, b3)
                            tx0 += 8
                        }
                    }
                }
            }
        }
    }

    /// y[o] tile (2ty.., 2tx..) = Aᵀ M A (clipped at the border), plus y if `accumulate`.
    /// Eight tiles at a time in SIMD lanes, like `inputTransform`.
    func outputTransform(_ m: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                         into y: UnsafeMutablePointer<Float>, accumulate: Bool, biasReLU: UnsafePointer<Float>? = nil) {
        let th = (h + 1) / 2, tw = (w + 1) / 2, t = images * th * tw
        let cout = outChannels
        let stride = cout * t
        parallelFor(cout, costPerItem: 16 * images * th * tw) { o in
            let fused = biasReLU != nil
            let bias = SIMD8<Float>(repeating: biasReLU?[o] ?? 0)
            @inline(__always) func act(_ v: SIMD8<Float>) -> SIMD8<Float> {
                // not pointwiseMax: the stdlib's generic version is a lane-by-lane call
                guard fused else { return v }
                let r = v + bias
                return r.replacing(with: 0, where: r .< 0)
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { scratch in
                let lanes = scratch.baseAddress!
                for img in 0..<images {
                    let dst = y + (o * n + firstImage + img) * h * w
                    let m0 = m + o * t + img * th * tw
                    for ty in 0..<th {
                        var tx0 = 0
                        while tx0 < tw {
                            let cnt = min(8, tw - tx0)
                            let base = m0 + ty * tw + tx0
                            // Full 8-lane loads even for a partial group: lanes past cnt read
                            // other tiles (or the buffer's slack) and are ignored.
                            @inline(__always) func mm(_ xi: Int) -> SIMD8<Float> {
                                UnsafeRawPointer(base + xi * stride).loadUnaligned(as: SIMD8<Float>.self)
                            }
                            // rows: Aᵀ M (2×4)
                            let r00 = mm(0) + mm(4) + mm(8), r10 = mm(4) - mm(8) - mm(12)
                            let r01 = mm(1) + mm(5) + mm(9), r11 = mm(5) - mm(9) - mm(13)
                            let r02 = mm(2) + mm(6) + mm(10), r12 = mm(6) - mm(10) - mm(14)
                            let r03 = mm(3) + mm(7) + mm(11), r13 = mm(7) - mm(11) - mm(15)
                            // columns: (Aᵀ M) A
                            let y00 = act(r00 + r01 + r02), y01 = act(r01 - r02 - r03)
                            let y10 = act(r10 + r11 + r12), y11 = act(r11 - r12 - r13)
                            let oy = 2 * ty
                            let row0 = dst + oy * w + 2 * tx0, row1 = row0 + w
                            let down = oy + 1 < h
                            // pairs fully inside the row, then a last column if w is odd
                            let pairs = min(cnt, (w - 2 * tx0) / 2)
                            if pairs == 8 && !accumulate {
                                // eight whole tiles: their two columns interleaved, 16 floats a row
                                UnsafeMutableRawPointer(row0).storeBytes(of: interleave(y00, y01), as: SIMD16<Float>.self)
                                if down {
                                    UnsafeMutableRawPointer(row1).storeBytes(of: interleave(y10, y11), as: SIMD16<Float>.self)
                                }
                                tx0 += 8
                                continue
                            }
                            let raw = UnsafeMutableRawPointer(lanes)
                            raw.storeBytes(of: y00, toByteOffset: 0, as: SIMD8<Float>.self)
                            raw.storeBytes(of: y01, toByteOffset: 32, as: SIMD8<Float>.self)
                            raw.storeBytes(of: y10, toByteOffset: 64, as: SIMD8<Float>.self)
                            raw.storeBytes(of: y11, toByteOffset: 96, as: SIMD8<Float>.self)
                            if accumulate {
                                for j in 0..<pairs { row0[2 * j] += lanes[j]; row0[2 * j + 1] += lanes[8 + j] }
                                if down { for j in 0..<pairs { row1[2 * j] += lanes[16 + j]; row1[2 * j + 1] += lanes[24 + j] } }
                                if pairs < cnt {
                                    row0[2 * pairs] += lanes[pairs]
                                    if down { row1[2 * pairs] += lanes[16 + pairs] }
                                }
                            } else {
                                for j in 0..<pairs { row0[2 * j] = lanes[j]; row0[2 * j + 1] = lanes[8 + j] }
                                if down { for j in 0..<pairs { row1[2 * j] = lanes[16 + j]; row1[2 * j + 1] = lanes[24 + j] } }
                                if pairs < cnt {
                                    row0[2 * pairs] = lanes[pairs]
                                    if down { row1[2 * pairs] = lanes[16 + pairs] }
                                }
                            }
                            tx0 += 8
                        }
                    }
                }
            }
        }
    }

    /// (a0, b0, a1, b1, …, a7, b7).
    @inline(__always)
    func interleave(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD16<Float> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
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
