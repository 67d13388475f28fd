/// Per-channel epilogues and ReLU, on the planes layout [C][N·H·W] (see `Conv2D`).
public enum Elementwise {
    /// y[c][i] = act(y[c][i] + bias[c] (+ residual[c][i])), act = ReLU or identity.
    /// One pass after the GEMM: the bias, the residual add and the ReLU cost one read/write.
    /// `stride` is the distance between channels (default `plane`; larger for a chunk of images).
    public static func biasActivate(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, channels: Int,
                                    plane: Int, stride: Int? = nil, residual: UnsafePointer<Float>? = nil, relu: Bool) {
        let stride = stride ?? plane
        OpProfile.measure("epilogue") { parallelFor(channels, costPerItem: plane) { c in
            let b = bias[c]
            let row = y + c * stride
            if let r = residual {
                let rr = r + c * stride
                if relu {
                    for i in 0..<plane { row[i] = max(row[i] + b + rr[i], 0) }
                } else {
                    for i in 0..<plane { row[i] = row[i] + b + rr[i] }
                }
            } else if relu {
                for i in 0..<plane { row[i] = max(row[i] + b, 0) }
            } else {
                for i in 0..<plane { row[i] += b }
            }
        } }
    }

    /// ReLU backward with the mask read from the ReLU's output (output > 0 ⇔ input > 0):
    /// g[i] = output[i] > 0 ? g[i] : 0. The derivative at 0 is taken as 0.
    public static func reluBackward(_ g: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int) {
        parallelFor((count + 0xFFFF) >> 16, costPerItem: 1 << 16) { chunk in  // every chunk, the last one partial
            let lo = chunk << 16, hi = min(count, (chunk + 1) << 16)
            maskByPositive(g + lo, output + lo, count: hi - lo)
        }
    }

    /// g[i] = output[i] > 0 ? g[i] : 0, eight lanes at a time: a select, not a branch (the
    /// masks of ReLU outputs are too irregular to predict).
    @inline(__always)
    static func maskByPositive(_ g: UnsafeMutablePointer<Float>, _ output: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let o = UnsafeRawPointer(output + i).loadUnaligned(as: SIMD8<Float>.self)
            let v = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(g + i).storeBytes(of: v.replacing(with: 0, where: .!(o .> 0)), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            if !(output[i] > 0) { g[i] = 0 }
            i += 1
        }
    }

    /// ReLU backward for a sub-batch: g is [C][P][HW] for the images `images` (P of them) of
    /// an output saved as [C][N][HW]. Lets Grad-CAM run backward only for the slices asked.
    public static func reluBackward(_ g: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>,
                                    channels: Int, n: Int, plane: Int, images: [Int]) {
        let p = images.count
        OpProfile.measure("back.relu") { images.withUnsafeBufferPointer { idx in
            parallelFor(channels, costPerItem: p * plane) { c in
                for (j, img) in idx.enumerated() {
                    let gg = g + (c * p + j) * plane
                    let o = output + (c * n + img) * plane
                    maskByPositive(gg, o, count: plane)
                }
            }
        } }
    }

    /// a[i] += b[i].
    public static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        parallelFor((count + 0xFFFF) >> 16, costPerItem: 1 << 16) { chunk in
            let lo = chunk << 16, hi = min(count, (chunk + 1) << 16)
            for i in lo..<hi { a[i] += b[i] }
        }
    }

    /// Copies images `images` of a [C][N][HW] buffer into a [C][P][HW] one.
    public static func gatherImages(_ src: UnsafePointer<Float>, channels: Int, n: Int, plane: Int,
                                    images: [Int], into dst: UnsafeMutablePointer<Float>) {
        let p = images.count
        for c in 0..<channels {
            for (j, img) in images.enumerated() {
                (dst + (c * p + j) * plane).update(from: src + (c * n + img) * plane, count: plane)
            }
        }
    }

    /// NCHW [N][C][HW] ⇄ planes [C][N][HW] (the same permutation both ways, with the roles swapped).
    public static func swapLeadingAxes(_ src: UnsafePointer<Float>, a: Int, b: Int, plane: Int,
                                       into dst: UnsafeMutablePointer<Float>) {
        // src is [a][b][plane] → dst [b][a][plane]
        for i in 0..<a {
            for j in 0..<b {
                (dst + (j * a + i) * plane).update(from: src + (i * b + j) * plane, count: plane)
            }
        }
    }
}
