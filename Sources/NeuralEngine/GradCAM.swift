import Imaging
/// Grad-CAM arithmetic for one image: A and G = ∂logit/∂A are [K][H·W].
/// α_k = mean_hw G[k]; raw = max(0, Σ_k α_k A[k]); cam = min-max normalised raw (all zeros
/// if flat); camUp = bilinear resize of cam (half-pixel centres).
public enum GradCAMMath {
    public struct Map: Sendable {
        public var alpha: [Float]
        public var raw: [Float]
        public var normalised: [Float]
        public var upsampled: [Float]
    }

    public static func map(activations a: UnsafePointer<Float>, gradients g: UnsafePointer<Float>,
                           channels k: Int, height h: Int, width w: Int, upsampleTo size: Int) -> Map {
        let plane = h * w
        let alpha = Self.alpha(gradients: g, channels: k, plane: plane)
        var raw = weightedSum(activations: a, alpha: alpha, plane: plane)
        for i in 0..<plane { raw[i] = max(raw[i], 0) }
        let lo = raw.min() ?? 0, hi = raw.max() ?? 0
        var cam = [Float](repeating: 0, count: plane)
        if hi > lo {
            let span = hi - lo
            for i in 0..<plane { cam[i] = (raw[i] - lo) / span }
        }
        var up = [Float](repeating: 0, count: size * size)
        cam.withUnsafeBufferPointer { c in
            up.withUnsafeMutableBufferPointer { u in
                Bilinear.resize(c.baseAddress!, planes: 1, height: h, width: w, toHeight: size, width: size,
                                into: u.baseAddress!)
            }
        }
        return Map(alpha: alpha, raw: raw, normalised: cam, upsampled: up)
    }

    /// α_k = mean_hw G[k] of one image whose channel k starts at g + k · `channelStride`
    /// (default: the plane, channels back to back; a batch laid out [K][N][H·W] has N · plane).
    public static func alpha(gradients g: UnsafePointer<Float>, channels k: Int, plane: Int,
                             channelStride: Int? = nil) -> [Float] {
        let stride = channelStride ?? plane
        var alpha = [Float](repeating: 0, count: k)
        for c in 0..<k {
            var s: Float = 0
            for i in 0..<plane { s += g[c * stride + i] }
            alpha[c] = s / Float(plane)
        }
        return alpha
    }

    /// Σ_k α_k A[k] before the ReLU, A laid out as in `alpha`.
    public static func weightedSum(activations a: UnsafePointer<Float>, alpha: [Float], plane: Int,
                                   channelStride: Int? = nil) -> [Float] {
        let stride = channelStride ?? plane
        var sum = [Float](repeating: 0, count: plane)
        for c in alpha.indices {
            let ac = alpha[c]
            for i in 0..<plane { sum[i] += ac * a[c * stride + i] }
        }
        return sum
    }
}
