import XCTest
@testable import NeuralEngine

/// Deterministic pseudo-random numbers for tests.
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
    mutating func array(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in uniform() * scale } }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// NCHW [N][C][plane] ⇄ planes [C][N][plane].
func toPlanes(_ x: [Float], n: Int, c: Int, plane: Int) -> [Float] {
    var y = x
    x.withUnsafeBufferPointer { s in y.withUnsafeMutableBufferPointer { d in
        Elementwise.swapLeadingAxes(s.baseAddress!, a: n, b: c, plane: plane, into: d.baseAddress!) } }
    return y
}
func fromPlanes(_ x: [Float], n: Int, c: Int, plane: Int) -> [Float] { toPlanes(x, n: c, c: n, plane: plane) }

/// Central finite differences of a scalar function f at x along coordinates `at`, compared
/// with the analytic gradient: |fd − g| ≤ tol·(1 + |g|).
func checkGradient(_ f: ([Float]) -> Double, at x: [Float], gradient g: [Float], coordinates: [Int],
                   h: Float = 1e-2, tol: Double = 2e-3, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    for i in coordinates {
        var xp = x, xm = x
        xp[i] += h
        xm[i] -= h
        let fd = (f(xp) - f(xm)) / Double(xp[i] - xm[i])
        XCTAssertLessThanOrEqual(abs(fd - Double(g[i])), tol * (1 + abs(Double(g[i]))),
                                 "\(what): coordinate \(i) finite difference \(fd) vs backward \(g[i])", file: file, line: line)
    }
}

/// Σ r·y in Double.
func dot(_ r: [Float], _ y: [Float]) -> Double { zip(r, y).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
