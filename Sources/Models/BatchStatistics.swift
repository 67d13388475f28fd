import NeuralEngine

/// BatchNorm in training mode: normalised by the batch's own statistics, per channel, on
/// the planes layout [C][M] (M = N·H·W values a channel):
///   x̂ = (z − μ_B) / √(σ²_B + ε),   y = γ·x̂ + β
/// and its backward pass (Ioffe & Szegedy 2015), with s = 1/√(σ²_B + ε):
///   dβ = Σ dy,   dγ = Σ dy·x̂,   dz = γ·s·(dy − dβ/M − x̂·dγ/M)
/// Sums run in Double: M reaches 50,000 values a channel in the first layers.
package enum BatchStatistics {
    /// What the backward pass needs of one normalisation: x̂ (the buffer that held z) and s.
    package struct Tape {
        let normalised: UnsafeMutablePointer<Float>
        let invStd: [Float]
    }

    /// Normalises z in place to x̂. Returns the tape and the batch mean and biased variance
    /// (for the running statistics).
    package static func normalise(_ z: UnsafeMutablePointer<Float>, channels: Int, count m: Int, eps: Double)
        -> (tape: Tape, mean: [Double], variance: [Double]) {
        var mean = [Double](repeating: 0, count: channels), variance = mean
        var invStd = [Float](repeating: 0, count: channels)
        mean.withUnsafeMutableBufferPointer { mp in variance.withUnsafeMutableBufferPointer { vp in
            invStd.withUnsafeMutableBufferPointer { sp in
                parallelFor(channels, costPerItem: 3 * m) { c in
                    let row = z + c * m
                    var sum = 0.0
                    for i in 0..<m { sum += Double(row[i]) }
                    let mu = sum / Double(m)
                    var sq = 0.0
                    for i in 0..<m { let d = Double(row[i]) - mu; sq += d * d }
                    let v = sq / Double(m), s = 1 / (v + eps).squareRoot()
                    let fmu = Float(mu), fs = Float(s)
                    for i in 0..<m { row[i] = (row[i] - fmu) * fs }
                    (mp[c], vp[c], sp[c]) = (mu, v, fs)
                }
            }
        } }
        return (Tape(normalised: z, invStd: invStd), mean, variance)
    }

    /// y = act(γ·x̂ + β (+ y if `accumulate`) (+ residual)), act = ReLU or identity.
    package static func scaleShift(_ tape: Tape, gamma: [Float], beta: [Float], channels: Int, count m: Int,
                           into y: UnsafeMutablePointer<Float>, accumulate: Bool = false,
                           residual: UnsafePointer<Float>? = nil, relu: Bool) {
        gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
            parallelFor(channels, costPerItem: m) { c in
                let x = tape.normalised + c * m, row = y + c * m, r = residual.map { $0 + c * m }
                let gc = g[c], bc = b[c]
                for i in 0..<m {
                    var v = gc * x[i] + bc
                    if accumulate { v += row[i] }
                    if let r { v += r[i] }
                    row[i] = relu ? max(v, 0) : v
                }
            }
        } }
    }

    /// dz from dy; adds dγ and dβ into `dGamma`, `dBeta`.
    package static func backward(_ dy: UnsafePointer<Float>, tape: Tape, gamma: [Float], channels: Int, count m: Int,
                         into dz: UnsafeMutablePointer<Float>, dGamma: inout [Float], dBeta: inout [Float]) {
        var sums = [Double](repeating: 0, count: 2 * channels)
        sums.withUnsafeMutableBufferPointer { sp in gamma.withUnsafeBufferPointer { g in
            parallelFor(channels, costPerItem: 3 * m) { c in
                let d = dy + c * m, x = tape.normalised + c * m, out = dz + c * m
                var sb = 0.0, sg = 0.0
                for i in 0..<m { sb += Double(d[i]); sg += Double(d[i]) * Double(x[i]) }
                let k = g[c] * tape.invStd[c], mb = Float(sb / Double(m)), mg = Float(sg / Double(m))
                for i in 0..<m { out[i] = k * (d[i] - mb - x[i] * mg) }
                (sp[2 * c], sp[2 * c + 1]) = (sg, sb)
            }
        } }
        for c in 0..<channels {
            dGamma[c] += Float(sums[2 * c])
            dBeta[c] += Float(sums[2 * c + 1])
        }
    }
}
