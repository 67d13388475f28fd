import COpenBLAS

/// Fully connected layer, y[N, out] = x[N, in] · Wᵀ + b (torchvision's [out, in] weight).
public struct Linear: Sendable {
    public let inFeatures: Int, outFeatures: Int
    public var weight: [Float]  // [out, in]
    public var bias: [Float]    // [out]

    public init(weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == inFeatures * outFeatures && bias.count == outFeatures, "linear sizes")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
    }

    public func forward(_ x: UnsafePointer<Float>, n: Int, into y: UnsafeMutablePointer<Float>) {
        for i in 0..<n { (y + i * outFeatures).update(from: bias, count: outFeatures) }
        // [N, out] += [N, in] × [in, out] (Wᵀ)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outFeatures), Int32(inFeatures),
                    1, x, Int32(inFeatures), weight, Int32(inFeatures), 1, y, Int32(outFeatures))
    }

    /// dx[N, in] = dy[N, out] · W.
    public func backwardInput(_ dy: UnsafePointer<Float>, n: Int, into dx: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(inFeatures), Int32(outFeatures),
                    1, dy, Int32(outFeatures), weight, Int32(inFeatures), 0, dx, Int32(inFeatures))
    }

    /// dW[out, in] += dyᵀ · x, dB[out] += Σ_n dy (for training).
    public func backwardWeights(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, n: Int,
                                dW: UnsafeMutablePointer<Float>, dB: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outFeatures), Int32(inFeatures), Int32(n),
                    1, dy, Int32(outFeatures), x, Int32(inFeatures), 1, dW, Int32(inFeatures))
        for i in 0..<n { for o in 0..<outFeatures { dB[o] += dy[i * outFeatures + o] } }
    }
}
