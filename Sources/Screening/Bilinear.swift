/// Bilinear resampling with half-pixel centres (align_corners = false), the convention of
/// `torch.nn.functional.interpolate(mode: "bilinear")`, OpenCV `resize` and the Grad-CAM
/// upsampling of the engine fixtures. Output index d along an axis of input length n and
/// output length m samples the input at
///     src = (d + 0.5) · n / m − 0.5, clamped to [0, n − 1],
/// interpolating between floor(src) and floor(src) + 1. The same rule maps a 224×224 map back
/// onto an h×w crop, so "resize back" is exactly the inverse coordinate map of the forward
/// resize (pixel centres line up in both directions).
public enum Bilinear {
    /// Sampling taps for one axis: for each output index, (i0, i1, weight of i1).
    public struct Taps: Sendable {
        public var i0: [Int32]
        public var i1: [Int32]
        public var f: [Float]

        public init(input n: Int, output m: Int) {
            precondition(n > 0 && m > 0, "bilinear axis lengths must be positive")
            i0 = []; i1 = []; f = []
            i0.reserveCapacity(m); i1.reserveCapacity(m); f.reserveCapacity(m)
            let scale = Double(n) / Double(m)
            for d in 0..<m {
                var src = (Double(d) + 0.5) * scale - 0.5
                src = min(max(src, 0), Double(n - 1))
                let lo = Int(src.rounded(.down))
                i0.append(Int32(lo))
                i1.append(Int32(min(lo + 1, n - 1)))
                f.append(Float(src - Double(lo)))
            }
        }
    }

    /// Resizes a row-major `rows × columns` image to `outRows × outColumns`.
    public static func resize(_ input: [Float], rows: Int, columns: Int,
                              outRows: Int, outColumns: Int) -> [Float] {
        precondition(input.count == rows * columns, "image size mismatch")
        let ty = Taps(input: rows, output: outRows)
        let tx = Taps(input: columns, output: outColumns)
        var out = [Float](repeating: 0, count: outRows * outColumns)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outRows {
                    let r0 = Int(ty.i0[y]) * columns, r1 = Int(ty.i1[y]) * columns
                    let fy = ty.f[y]
                    for x in 0..<outColumns {
                        let c0 = Int(tx.i0[x]), c1 = Int(tx.i1[x])
                        let fx = tx.f[x]
                        let gx = 1 - fx
                        let top = gx * src[r0 + c0] + fx * src[r0 + c1]
                        let bottom = gx * src[r1 + c0] + fx * src[r1 + c1]
                        dst[y * outColumns + x] = (1 - fy) * top + fy * bottom
                    }
                }
            }
        }
        return out
    }
}
