/// DeLong, DeLong & Clarke-Pearson (1988) variance of the empirical AUC through the
/// structural components, computed with midranks (Sun & Xu 2014) in O(N log N):
///   V10_i = (Tz_i − Tx_i) / n   for each positive i (fraction of negatives it beats),
///   V01_j = 1 − (Tz_j − Ty_j) / m   for each negative j (fraction of positives beating it),
/// where Tz are midranks in the pooled sample, Tx (Ty) midranks within the positives
/// (negatives), m positives, n negatives; ties count ½. Then
///   AUC = mean V10,  Var = S10/m + S01/n,  S10, S01 the sample variances (divisor m−1, n−1).
public struct DeLong: Sendable {
    public let auc: Double
    public let variance: Double
    /// Structural components in the order of `LabeledScores.positiveScores`/`negativeScores`.
    public let v10: [Double]
    public let v01: [Double]

    public init(_ data: LabeledScores) {
        let x = data.positiveScores, y = data.negativeScores
        let m = x.count, n = y.count
        let tz = Ranks.midranks(x + y)
        let tx = Ranks.midranks(x), ty = Ranks.midranks(y)
        v10 = (0..<m).map { (tz[$0] - tx[$0]) / Double(n) }
        v01 = (0..<n).map { 1 - (tz[m + $0] - ty[$0]) / Double(m) }
        auc = v10.reduce(0, +) / Double(m)
        let a = auc
        func sampleVariance(_ v: [Double]) -> Double {
            guard v.count > 1 else { return 0 }
            return v.reduce(0) { $0 + ($1 - a) * ($1 - a) } / Double(v.count - 1)
        }
        variance = sampleVariance(v10) / Double(m) + sampleVariance(v01) / Double(n)
    }

    public var standardError: Double { variance.squareRoot() }

    /// Wald interval AUC ± z·SE at the two-sided `level`, clipped to [0, 1] (as pROC does).
    public func interval(level: Double = 0.95) throws -> AUCInterval {
        guard level > 0, level < 1 else { throw EvaluationError.invalidSetting("confidence level \(level) is outside (0, 1)") }
        let z = NormalDistribution.quantile(0.5 + level / 2)
        return AUCInterval(auc: auc, lower: max(0, auc - z * standardError),
                           upper: min(1, auc + z * standardError), level: level,
                           method: "DeLong", standardError: standardError)
    }
}

/// An AUC with its confidence interval.
public struct AUCInterval: Codable, Equatable, Sendable {
    public var auc: Double
    public var lower: Double
    public var upper: Double
    public var level: Double
    /// "DeLong" or "bootstrap".
    public var method: String
    public var standardError: Double
    /// Bootstrap only: replicates and seed.
    public var replicates: Int?
    public var seed: UInt64?

    public init(auc: Double, lower: Double, upper: Double, level: Double, method: String,
                standardError: Double, replicates: Int? = nil, seed: UInt64? = nil) {
        self.auc = auc
        self.lower = lower
        self.upper = upper
        self.level = level
        self.method = method
        self.standardError = standardError
        self.replicates = replicates
        self.seed = seed
    }
}
