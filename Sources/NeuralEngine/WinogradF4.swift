/// Winograd F(4×4, 3×3) for 3×3, stride-1, padding-1 convolutions, forward only: 36
/// multiplications per 4×4 output tile (2.25 per output, against 4 for F(2×2) and 9
/// direct), done as 36 GEMMs M[ξ][Cout, T] = U[ξ][Cout, Cin] × V[ξ][Cin, T].
/// Transforms (Lavin & Gray 2016, points 0, ±1, ±2): U = G g Gᵀ, V = Bᵀ d B, Y = Aᵀ M A.
/// G has 1/6 and 1/24 entries, so U is computed in Double and rounded once; the other
/// coefficients are small integers. Works on the planes layout [C][N][H][W] like `Conv2D`.
/// The backward pass stays with `WinogradF2` (see `Conv2D.backwardInput`). Deliberately
/// parallel to `WinogradF2`'s pipeline (see there), with 6×6 tiles in SIMD8 lanes.
public final class WinogradF4: @unchecked Sendable {
    public let inChannels: Int, outChannels: Int
    /// [36][Cout][Cin]
    let u: [Float]

    /// `weight` is [Cout][Cin][3][3].
    public init(weight: [Float], inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        let g: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                             [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        var u = [Float](repeating: 0, count: 36 * outChannels * inChannels)
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                let k = (o * inChannels + c) * 9
                // t = G·w (6×3), then U = t·Gᵀ (6×6), in Double
                var t = [[Double]](repeating: [0, 0, 0], count: 6)
                for i in 0..<6 { for j in 0..<3 { for l in 0..<3 { t[i][j] += g[i][l] * Double(weight[k + l * 3 + j]) } } }
                for i in 0..<6 {
                    for j in 0..<6 {
                        var s = 0.0
                        for l in 0..<3 { s += t[i][l] * g[j][l] }
                        u[((i * 6 + j) * outChannels + o) * inChannels + c] = Float(s)
                    }
                }
            }
        }
        self.u = u
    }

    /// Images per chunk: V and M within `policy.columnBudget` floats each, unless that
    /// leaves the GEMMs fewer than `policy.winogradF4ChunkTiles` columns.
    func chunkSize(n: Int, tiles: Int, policy: ConvolutionPolicy) -> Int {
        let budget = policy.columnBudget / max(36 * max(inChannels, outChannels) * tiles, 1)
        let wide = (policy.winogradF4ChunkTiles + tiles - 1) / max(tiles, 1)
        return max(1, min(n, max(budget, wide)))
    }

    /// y = conv(x) (+ y if `accumulate`); with `biasReLU`, y = max(conv(x) + bias, 0) applied
    /// in the output transform (not with `accumulate`).
    public func forward(_ x: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, accumulate: Bool, biasReLU: UnsafePointer<Float>? = nil,
                        policy: ConvolutionPolicy = .standard, workspace: Workspace) {
        precondition(biasReLU == nil || !accumulate, "bias+ReLU epilogue with accumulate")
        let tiles = ((h + 3) / 4) * ((w + 3) / 4)
        let chunk = chunkSize(n: n, tiles: tiles, policy: policy)
        let v = workspace.buffer("winograd.v", count: 36 * inChannels * chunk * tiles)
        // +8: slack for the output transform's full-width loads of a last partial group
        let m = workspace.buffer("winograd.m", count: 36 * outChannels * chunk * tiles + 8)
        var n0 = 0
        while n0 < n {
            let c = min(chunk, n - n0), t = c * tiles
            OpProfile.measure("winograd4.input") { inputTransform(x, n: n, h: h, w: w, firstImage: n0, images: c, into: v) }
            OpProfile.measure("winograd4.gemm") { u.withUnsafeBufferPointer { up in
                EngineThreads.concurrently(36) { xi in
                    // [Cout, T] = [Cout, Cin] × [Cin, T]
                    gemm(transA: false, transB: false, m: outChannels, n: t, k: inChannels,
                         up.baseAddress! + xi * outChannels * inChannels, lda: inChannels,
                         v + xi * inChannels * t, ldb: t, beta: 0, m + xi * outChannels * t, ldc: t)
                }
            } }
            OpProfile.measure("winograd4.output") {
                outputTransform(m, n: n, h: h, w: w, firstImage: n0, images: c, into: y, accumulate: accumulate, biasReLU: biasReLU)
            }
            n0 += c
        }
    }

    /// V[ξ][c][tile] = (Bᵀ d B)[ξ] for every 6×6 input window d at (4ty − 1, 4tx − 1).
    /// Per row of tiles: Bᵀ on the six zero-padded input rows (contiguous), then B on the
    /// columns for eight tiles at a time, whose window columns are every fourth lane of
    /// two 32-wide loads.
    func inputTransform(_ x: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                        into v: UnsafeMutablePointer<Float>) {
        let th = (h + 3) / 4, tw = (w + 3) / 4, t = images * th * tw
        let cin = inChannels
        let stride = cin * t  // between consecutive ξ
        let rowLen = (4 * tw + 2 + 7) / 8 * 8 + 40
        parallelFor(cin, costPerItem: 36 * images * th * tw) { c in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 12 * rowLen + 8) { scratch in
                let rows = scratch.baseAddress!, tr = rows + 6 * rowLen, lanes = rows + 12 * rowLen
                rows.update(repeating: 0, count: 12 * rowLen)
                for img in 0..<images {
                    let src = x + (c * n + firstImage + img) * h * w
                    let out0 = v + c * t + img * th * tw
                    for ty in 0..<th {
                        // padded rows 4ty−1 … 4ty+4: prow[i] = src[row][i − 1], zero outside
                        for r in 0..<6 {
                            let yy = 4 * ty - 1 + r
                            let pr = rows + r * rowLen
                            if yy >= 0 && yy < h {
                                (pr + 1).update(from: src + yy * w, count: w)
                            } else {
                                (pr + 1).update(repeating: 0, count: w)
                            }
                        }
                        // tr[k] = (Bᵀ d)[k] along the rows, 8 columns at a time
                        var i = 0
                        while i < 4 * tw + 2 {
                            @inline(__always) func ld(_ r: Int) -> SIMD8<Float> {
                                UnsafeRawPointer(rows + r * rowLen + i).loadUnaligned(as: SIMD8<Float>.self)
                            }
                            @inline(__always) func st(_ k: Int, _ val: SIMD8<Float>) {
                                UnsafeMutableRawPointer(tr + k * rowLen + i).storeBytes(of: val, as: SIMD8<Float>.self)
                            }
                            let d0 = ld(0), d1 = ld(1), d2 = ld(2), d3 = ld(3), d4 = ld(4), d5 = ld(5)
                            let (r0, r1, r2, r3, r4, r5) = Self.bt(d0, d1, d2, d3, d4, d5)
                            st(0, r0); st(1, r1); st(2, r2); st(3, r3); st(4, r4); st(5, r5)
                            i += 8
                        }
                        var tx0 = 0
                        while tx0 < tw {
                            let cnt = min(8, tw - tx0)
                            let out = out0 + ty * tw + tx0
                            for k in 0..<6 {
                                let p = tr + k * rowLen + 4 * tx0
                                let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self)
                                let b = UnsafeRawPointer(p + 4).loadUnaligned(as: SIMD32<Float>.self)
                                let ae = a.evenHalf, ao = a.oddHalf
                                let (q0, q1, q2, q3) = (ae.evenHalf, ao.evenHalf, ae.oddHalf, ao.oddHalf)
                                let (q4, q5) = (b.evenHalf.evenHalf, b.oddHalf.evenHalf)
                                let (s0, s1, s2, s3, s4, s5) = Self.bt(q0, q1, q2, q3, q4, q5)
                                @inline(__always) func store(_ l: Int, _ val: SIMD8<Float>) {
                                    let o = out + (k * 6 + l) * stride
                                    if cnt == 8 {
                                        UnsafeMutableRawPointer(o).storeBytes(of: val, as: SIMD8<Float>.self)
                                    } else {
                                        // partial group: the lanes past cnt belong to other tiles
                                        UnsafeMutableRawPointer(lanes).storeBytes(of: val, as: SIMD8<Float>.self)
                                        o.update(from: lanes, count: cnt)
                                    }
                                }
                                store(0, s0); store(1, s1); store(2, s2); store(3, s3); store(4, s4); store(5, s5)
                            }
                            tx0 += 8
                        }
                    }
                }
            }
        }
    }

    /// Bᵀ·(d0 … d5): the six rows of F(4×4, 3×3)'s input transform.
    @inline(__always)
    static func bt(_ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>,
                   _ d4: SIMD8<Float>, _ d5: SIMD8<Float>)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let four: Float = 4, five: Float = 5, two: Float = 2
        let a = d1 + d2, b = d3 + d4, c = d1 - d2, d = d4 - d3, e = d1 - d3, f = d4 - d2
        return (four * d0 - five * d2 + d4, b - four * a, four * c + d, f - two * e, f + two * e, four * d1 - five * d3 + d5)
    }

    /// y[o] tile (4ty.., 4tx..) = Aᵀ M A (clipped at the border), plus y if `accumulate`.
    /// Eight tiles at a time in SIMD lanes.
    func outputTransform(_ m: UnsafePointer<Float>, n: Int, h: Int, w: Int, firstImage: Int, images: Int,
                         into y: UnsafeMutablePointer<Float>, accumulate: Bool, biasReLU: UnsafePointer<Float>? = nil) {
        let th = (h + 3) / 4, tw = (w + 3) / 4, t = images * th * tw
        let cout = outChannels
        let stride = cout * t
        parallelFor(cout, costPerItem: 36 * images * th * tw) { o in
            let fused = biasReLU != nil
            let bias = SIMD8<Float>(repeating: biasReLU?[o] ?? 0)
            @inline(__always) func act(_ v: SIMD8<Float>) -> SIMD8<Float> {
                guard fused else { return v }
                let r = v + bias
                return r.replacing(with: 0, where: r .< 0)
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 128) { scratch in
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
                            // rows: Aᵀ M (4×6), column by column
                            @inline(__always) func at(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>,
                                                      _ c3: SIMD8<Float>, _ c4: SIMD8<Float>, _ c5: SIMD8<Float>)
                                -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                                let a = c1 + c2, b = c1 - c2, c = c3 + c4, d = c3 - c4
                                let two: Float = 2, four: Float = 4, eight: Float = 8
                                return (c0 + a + c, b + two * d, a + four * c, b + eight * d + c5)
                            }
                            let k0 = at(mm(0), mm(6), mm(12), mm(18), mm(24), mm(30))
                            let k1 = at(mm(1), mm(7), mm(13), mm(19), mm(25), mm(31))
                            let k2 = at(mm(2), mm(8), mm(14), mm(20), mm(26), mm(32))
                            let k3 = at(mm(3), mm(9), mm(15), mm(21), mm(27), mm(33))
                            let k4 = at(mm(4), mm(10), mm(16), mm(22), mm(28), mm(34))
                            let k5 = at(mm(5), mm(11), mm(17), mm(23), mm(29), mm(35))
                            // columns: (Aᵀ M) A, output row i = at(k0.i … k5.i)
                            let raw = UnsafeMutableRawPointer(lanes)
                            @inline(__always) func put(_ i: Int, _ q: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)) {
                                raw.storeBytes(of: act(q.0), toByteOffset: (i * 4 + 0) * 32, as: SIMD8<Float>.self)
                                raw.storeBytes(of: act(q.1), toByteOffset: (i * 4 + 1) * 32, as: SIMD8<Float>.self)
                                raw.storeBytes(of: act(q.2), toByteOffset: (i * 4 + 2) * 32, as: SIMD8<Float>.self)
                                raw.storeBytes(of: act(q.3), toByteOffset: (i * 4 + 3) * 32, as: SIMD8<Float>.self)
                            }
                            put(0, at(k0.0, k1.0, k2.0, k3.0, k4.0, k5.0))
                            put(1, at(k0.1, k1.1, k2.1, k3.1, k4.1, k5.1))
                            put(2, at(k0.2, k1.2, k2.2, k3.2, k4.2, k5.2))
                            put(3, at(k0.3, k1.3, k2.3, k3.3, k4.3, k5.3))
                            // lanes[(i·4 + j)·8 + tile] is output (4ty + i, 4(tx0 + tile) + j)
                            let cols4 = min(4 * cnt, w - 4 * tx0)
                            for i in 0..<4 where 4 * ty + i < h {
                                let row = dst + (4 * ty + i) * w + 4 * tx0
                                let src = lanes + i * 32
                                if accumulate {
                                    for q in 0..<cols4 { row[q] += src[(q & 3) * 8 + (q >> 2)] }
                                } else {
                                    for q in 0..<cols4 { row[q] = src[(q & 3) * 8 + (q >> 2)] }
                                }
                            }
                            tx0 += 8
                        }
                    }
                }
            }
        }
    }
}
