import COpenBLAS

/// 2-D convolution through BLAS, with BatchNorm folded in for inference.
///
/// Layout: the engine's layers work on the "planes" layout [C][N][H][W]: channel-major,
/// then image, then row, then column. A single image (N = 1) is plain NCHW. Choosing
/// channel-major over NCHW makes every convolution of a batch ONE GEMM,
/// Y[Cout, N·Ho·Wo] = W[Cout, Cin·k·k] × cols[Cin·k·k, N·Ho·Wo], so the small late layers
/// (7×7 and 14×14 maps) still give BLAS wide matrices. Every other op (bias, ReLU,
/// pools) works per (channel, image) plane and does not care.
///
/// 1×1 stride-1 convolutions read the input directly as the B matrix (no copy); the others
/// are im2col into a reused workspace buffer, in chunks of images bounded by `columnBudget`.
public struct Conv2D: Sendable {
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int
    /// [Cout, Cin·k·k] row-major (torchvision's [Cout, Cin, k, k] flattened). Immutable
    /// because the Winograd form is derived from it: build a new Conv2D after an update.
    public let weight: [Float]
    /// [Cout]; applied by the epilogue (`biasActivate`), not by `forward`.
    public var bias: [Float]

    /// 3×3 stride-1 pad-1 convolutions also carry their Winograd F(2×2, 3×3) form.
    public let winograd: WinogradF2?

    /// Its F(4×4, 3×3) form for the forward pass, when asked for (`prepareWinogradF4`):
    /// fewer multiplications, but 36 weight copies, so inference models opt in, while
    /// training, which folds new convolutions every step, does not.
    public private(set) var winograd4: WinogradF4?

    /// How this convolution picks its algorithm per call (from the call's shapes) and how
    /// much scratch memory it uses; `.standard` unless a test or an A/B measurement says otherwise.
    public var policy = ConvolutionPolicy.standard

    /// Adds the F(4×4, 3×3) form to a 3×3 stride-1 pad-1 convolution (no-op for others).
    public mutating func prepareWinogradF4() {
        guard winograd != nil, winograd4 == nil else { return }
        winograd4 = WinogradF4(weight: weight, inChannels: inChannels, outChannels: outChannels)
    }

    /// F(4×4, 3×3) where it was prepared and the map has at least `winogradF4MinTiles` 4×4 tiles
    /// an image (ResNet-50's 7×7 maps, 4 tiles, stay with F(2×2), whose GEMMs are 4× wider).
    func useWinogradF4For(n: Int, height h: Int, width w: Int) -> WinogradF4? {
        guard let wg = winograd4, policy.winograd, policy.winogradF4,
              ((h + 3) / 4) * ((w + 3) / 4) >= policy.winogradF4MinTiles else { return nil }
        return wg
    }

    /// F(2×2, 3×3) for 3×3 stride-1 pad-1 convolutions with at least `winogradMinTiles` 2×2
    /// tiles an image. A per-image rule, so a slice takes the same path in any batch.
    func useWinogradFor(n: Int, height h: Int, width w: Int) -> WinogradF2? {
        guard let wg = winograd, policy.winograd, ((h + 1) / 2) * ((w + 1) / 2) >= policy.winogradMinTiles else { return nil }
        return wg
    }

    public init(weight: [Float], bias: [Float]? = nil, inChannels: Int, outChannels: Int,
                kernel: Int, stride: Int = 1, padding: Int = 0) {
        precondition(weight.count == outChannels * inChannels * kernel * kernel, "conv weight size")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.weight = weight
        self.bias = bias ?? [Float](repeating: 0, count: outChannels)
        winograd = (kernel == 3 && stride == 1 && padding == 1)
            ? WinogradF2(weight: weight, inChannels: inChannels, outChannels: outChannels) : nil
    }

    /// Conv (no bias) followed by eval-mode BatchNorm, folded: W' = W·s, b' = β − μ·s with
    /// s = γ / sqrt(σ² + eps). Folding is done in Double, then cast, to keep it exact.
    public static func foldingBatchNorm(weight: [Float], inChannels: Int, outChannels: Int,
                                        kernel: Int, stride: Int, padding: Int,
                                        gamma: [Float], beta: [Float], mean: [Float], variance: [Float],
                                        eps: Double = 1e-5) -> Conv2D {
        let per = inChannels * kernel * kernel
        var w = [Float](repeating: 0, count: weight.count)
        var b = [Float](repeating: 0, count: outChannels)
        for o in 0..<outChannels {
            let s = Double(gamma[o]) / (Double(variance[o]) + eps).squareRoot()
            for i in 0..<per { w[o * per + i] = Float(Double(weight[o * per + i]) * s) }
            b[o] = Float(Double(beta[o]) - Double(mean[o]) * s)
        }
        return Conv2D(weight: w, bias: b, inChannels: inChannels, outChannels: outChannels,
                      kernel: kernel, stride: stride, padding: padding)
    }

    public func outputSize(height h: Int, width w: Int) -> (height: Int, width: Int) {
        Self.outputSize(height: h, width: w, kernel: kernel, stride: stride, padding: padding)
    }

    public static func outputSize(height h: Int, width w: Int, kernel: Int, stride: Int,
                                  padding: Int) -> (height: Int, width: Int) {
        ((h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1)
    }

    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// Images per im2col chunk.
    func chunkSize(n: Int, outPlane: Int) -> Int {
        let perImage = inChannels * kernel * kernel * outPlane
        return max(1, min(n, policy.columnBudget / max(perImage, 1)))
    }

    /// y[Cout][N][Ho][Wo] = conv(x[Cin][N][H][W]) (+ y if `accumulate`), without the bias;
    /// or, with `biasReLU`, y = max(conv(x) + bias, 0), applied chunk by chunk while the
    /// output is still in cache (not combinable with `accumulate`).
    public func forward(_ x: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, accumulate: Bool = false, biasReLU: Bool = false,
                        workspace: Workspace) {
        precondition(!(biasReLU && accumulate), "bias+ReLU epilogue with accumulate")
        let (ho, wo) = outputSize(height: h, width: w)
        let beta: Float = accumulate ? 1 : 0
        let kk = inChannels * kernel * kernel
        if let wg = useWinogradF4For(n: n, height: h, width: w) {
            bias.withUnsafeBufferPointer { b in
                wg.forward(x, n: n, height: h, width: w, into: y, accumulate: accumulate,
                           biasReLU: biasReLU ? b.baseAddress! : nil, policy: policy, workspace: workspace)
            }
            return
        }
        if let wg = useWinogradFor(n: n, height: h, width: w) {
            bias.withUnsafeBufferPointer { b in
                wg.forward(x, n: n, height: h, width: w, into: y, accumulate: accumulate,
                           biasReLU: biasReLU ? b.baseAddress! : nil, policy: policy, workspace: workspace)
            }
            return
        }
        if isPointwise {
            // [Cout, N·HW] = [Cout, Cin] × [Cin, N·HW]
            OpProfile.measure("conv1x1.gemm") {
                gemm(transA: false, transB: false, m: outChannels, n: n * h * w, k: inChannels,
                     weight, lda: inChannels, x, ldb: n * h * w, beta: beta, y, ldc: n * h * w)
            }
            if biasReLU { Elementwise.biasActivate(y, bias: bias, channels: outChannels, plane: n * h * w, relu: true) }
            return
        }
        let plane = ho * wo
        inChunks(n: n, outPlane: plane, workspace: workspace) { n0, c, col in
            OpProfile.measure("im2col") { im2col(x, n: n, height: h, width: w, firstImage: n0, images: c, into: col) }
            // [Cout, c·HoWo] = [Cout, kk] × [kk, c·HoWo], written into columns n0·HoWo… of y
            OpProfile.measure("im2col.gemm") {
                gemm(transA: false, transB: false, m: outChannels, n: c * plane, k: kk,
                     weight, lda: kk, col, ldb: c * plane, beta: beta, y + n0 * plane, ldc: n * plane)
            }
            if biasReLU {
                Elementwise.biasActivate(y + n0 * plane, bias: bias, channels: outChannels, plane: c * plane,
                                         stride: n * plane, relu: true)
            }
        }
    }

    /// Runs body(first image, images, column buffer) over the batch in chunks of images whose
    /// im2col columns fit `policy.columnBudget`.
    private func inChunks(n: Int, outPlane: Int, workspace: Workspace,
                          _ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let chunk = chunkSize(n: n, outPlane: outPlane)
        let col = workspace.buffer("conv.col", count: inChannels * kernel * kernel * chunk * outPlane)
        var n0 = 0
        while n0 < n {
            let c = min(chunk, n - n0)
            body(n0, c, col)
            n0 += c
        }
    }

    /// dx[Cin][N][H][W] = ∂/∂x given dy[Cout][N][Ho][Wo] (+ dx if `accumulate`).
    public func backwardInput(_ dy: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                              into dx: UnsafeMutablePointer<Float>, accumulate: Bool = false, workspace: Workspace) {
        let (ho, wo) = outputSize(height: h, width: w)
        let kk = inChannels * kernel * kernel
        if let wg = useWinogradFor(n: n, height: h, width: w) {
            wg.backwardInput(dy, n: n, height: h, width: w, into: dx, accumulate: accumulate, policy: policy, workspace: workspace)
            return
        }
        if isPointwise {
            // [Cin, N·HW] = [Cin, Cout] (Wᵀ) × [Cout, N·HW]
            OpProfile.measure("back.conv1x1.gemm") {
                gemm(transA: true, transB: false, m: inChannels, n: n * h * w, k: outChannels,
                     weight, lda: inChannels, dy, ldb: n * h * w, beta: accumulate ? 1 : 0, dx, ldc: n * h * w)
            }
            return
        }
        if !accumulate { dx.update(repeating: 0, count: inChannels * n * h * w) }
        let plane = ho * wo
        inChunks(n: n, outPlane: plane, workspace: workspace) { n0, c, col in
            // [kk, c·HoWo] = [kk, Cout] (Wᵀ) × [Cout, c·HoWo]
            OpProfile.measure("back.im2col.gemm") {
                gemm(transA: true, transB: false, m: kk, n: c * plane, k: outChannels,
                     weight, lda: kk, dy + n0 * plane, ldb: n * plane, beta: 0, col, ldc: c * plane)
            }
            OpProfile.measure("back.col2im") { col2imAdd(col, n: n, height: h, width: w, firstImage: n0, images: c, into: dx) }
        }
    }

    /// Weight and bias gradients, accumulated into dW [Cout, Cin·k·k] and dB [Cout]
    /// (for training; Grad-CAM needs only `backwardInput`).
    public func backwardWeights(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                                dW: UnsafeMutablePointer<Float>, dB: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let (ho, wo) = outputSize(height: h, width: w)
        let kk = inChannels * kernel * kernel
        let plane = ho * wo
        for o in 0..<outChannels {
            var s: Float = 0
            let row = dy + o * n * plane
            for i in 0..<(n * plane) { s += row[i] }
            dB[o] += s
        }
        if isPointwise {
            // [Cout, Cin] += [Cout, N·HW] × [N·HW, Cin] (xᵀ)
            gemm(transA: false, transB: true, m: outChannels, n: inChannels, k: n * h * w,
                 dy, lda: n * h * w, x, ldb: n * h * w, beta: 1, dW, ldc: inChannels)
            return
        }
        inChunks(n: n, outPlane: plane, workspace: workspace) { n0, c, col in
            im2col(x, n: n, height: h, width: w, firstImage: n0, images: c, into: col)
            gemm(transA: false, transB: true, m: outChannels, n: kk, k: c * plane,
                 dy + n0 * plane, lda: n * plane, col, ldb: c * plane, beta: 1, dW, ldc: kk)
        }
    }

    /// Valid output range [lo, hi) along one axis for kernel offset `k`.
    @inline(__always)
    private func validRange(_ k: Int, inSize: Int, outSize: Int) -> (Int, Int) {
        // i = o·stride − pad + k must lie in [0, inSize)
        var lo = 0
        while lo < outSize && lo * stride - padding + k < 0 { lo += 1 }
        var hi = outSize
        while hi > lo && (hi - 1) * stride - padding + k >= inSize { hi -= 1 }
        return (lo, hi)
    }

    /// cols[(ci·k + ky)·k + kx][img·HoWo + oy·Wo + ox] for images firstImage..<firstImage+images.
    func im2col(_ x: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                firstImage: Int, images: Int, into col: UnsafeMutablePointer<Float>) {
        let (ho, wo) = outputSize(height: h, width: w)
        let k = kernel, s = stride, p = padding
        let rowLen = images * ho * wo
        parallelFor(inChannels * k * k, costPerItem: rowLen) { r in
            let ci = r / (k * k), ky = (r / k) % k, kx = r % k
            let (oyLo, oyHi) = validRange(ky, inSize: h, outSize: ho)
            let (oxLo, oxHi) = validRange(kx, inSize: w, outSize: wo)
            var dst = col + r * rowLen
            for img in firstImage..<(firstImage + images) {
                let src = x + (ci * n + img) * h * w
                for oy in 0..<ho {
                    if oy < oyLo || oy >= oyHi {
                        dst.update(repeating: 0, count: wo)
                    } else {
                        let srow = src + (oy * s - p + ky) * w
                        for ox in 0..<oxLo { dst[ox] = 0 }
                        if s == 1 {
                            (dst + oxLo).update(from: srow + (oxLo - p + kx), count: oxHi - oxLo)
                        } else {
                            for ox in oxLo..<oxHi { dst[ox] = srow[ox * s - p + kx] }
                        }
                        for ox in oxHi..<wo { dst[ox] = 0 }
                    }
                    dst += wo
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds cols back into dx.
    func col2imAdd(_ col: UnsafePointer<Float>, n: Int, height h: Int, width w: Int,
                   firstImage: Int, images: Int, into dx: UnsafeMutablePointer<Float>) {
        let (ho, wo) = outputSize(height: h, width: w)
        let k = kernel, s = stride, p = padding
        let rowLen = images * ho * wo
        // One input channel per task: its k·k rows write only its own planes.
        parallelFor(inChannels, costPerItem: k * k * rowLen) { ci in
            for ky in 0..<k {
                let (oyLo, oyHi) = validRange(ky, inSize: h, outSize: ho)
                for kx in 0..<k {
                    let (oxLo, oxHi) = validRange(kx, inSize: w, outSize: wo)
                    let r = (ci * k + ky) * k + kx
                    for img in 0..<images {
                        let dst = dx + (ci * n + firstImage + img) * h * w
                        let src = col + r * rowLen + img * ho * wo
                        for oy in oyLo..<oyHi {
                            let drow = dst + (oy * s - p + ky) * w
                            let srow = src + oy * wo
                            for ox in oxLo..<oxHi { drow[ox * s - p + kx] += srow[ox] }
                        }
                    }
                }
            }
        }
    }
}
