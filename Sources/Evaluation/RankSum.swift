import Foundation

/// The two-sided Wilcoxon rank-sum (Mann–Whitney U) test of two independent samples.
///
/// Method (scipy.stats.mannwhitneyu's `method="auto"`, so results agree with it):
/// - **exact** when there are no ties and at least one sample has ≤ 8 values: the null
///   distribution of U is the coefficient list of the Gaussian binomial [n1+n2 choose n1]_q,
///   p = min(1, 2·P(U ≥ max(U1, U2)));
/// - otherwise the **normal approximation** with the tie-corrected variance
///   σ² = n1·n2/12 · ((N+1) − Σ(t³−t)/(N(N−1))) and a continuity correction of ½:
///   z = (max(U1, U2) − n1·n2/2 − ½)/σ, p = min(1, 2·P(Z > z)).
public struct RankSumTest: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable { case exact, normal }

    /// U of the first sample: R1 − n1(n1+1)/2 (scipy's `statistic`).
    public var u1: Double
    public var pValue: Double
    public var method: Method
    /// The standardised statistic (normal method only).
    public var z: Double?
    public var n1: Int
    public var n2: Int

    public init(_ first: [Double], _ second: [Double], source: String = "rank-sum test") throws {
        guard !first.isEmpty, !second.isEmpty else {
            throw EvaluationError.invalidData(source: source,
                reason: "needs two non-empty samples, got \(first.count) and \(second.count)")
        }
        guard (first + second).allSatisfy(\.isFinite) else {
            throw EvaluationError.invalidData(source: source, reason: "a value is not a finite number")
        }
        let n1 = first.count, n2 = second.count, n = n1 + n2
        let ranks = Ranks.midranks(first + second)
        let u1 = ranks[0..<n1].reduce(0, +) - Double(n1 * (n1 + 1)) / 2
        let u = max(u1, Double(n1 * n2) - u1)
        let ties = Ranks.tieGroupSizes(first + second)
        self.u1 = u1
        self.n1 = n1
        self.n2 = n2
        if ties.isEmpty, min(n1, n2) <= 8 {
            method = .exact
            z = nil
            pValue = min(1, 2 * Self.exactUpperTail(u: Int(u.rounded()), n1: n1, n2: n2))
        } else {
            method = .normal
            let tieSum = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
            let variance = Double(n1 * n2) / 12 * (Double(n + 1) - tieSum / Double(n * (n - 1)))
            guard variance > 0 else {
                // Every value equal: no evidence of a difference.
                z = 0
                pValue = 1
                return
            }
            let zValue = (u - Double(n1 * n2) / 2 - 0.5) / variance.squareRoot()
            z = zValue
            pValue = min(1, 2 * NormalDistribution.survival(zValue))
        }
    }

    /// P(U ≥ u) under H0 without ties. The counts of arrangements per U value are the
    /// coefficients of ∏_{i=1}^{n1} (1 − q^{n2+i}) / (1 − q^i), built one factor at a time so
    /// every intermediate is again a Gaussian binomial with non-negative coefficients.
    static func exactUpperTail(u: Int, n1: Int, n2: Int) -> Double {
        let (m, n) = n1 <= n2 ? (n1, n2) : (n2, n1)
        let degree = m * n
        var c = [Double](repeating: 0, count: degree + 1)
        c[0] = 1
        for i in 1...max(m, 1) where m > 0 {
            let up = n + i
            if up <= degree { for k in stride(from: degree, through: up, by: -1) { c[k] -= c[k - up] } }
            if i <= degree { for k in i...degree { c[k] += c[k - i] } }
        }
        let total = c.reduce(0, +)
        guard u <= degree else { return 0 }
        return c[max(u, 0)...].reduce(0, +) / total
    }
}
