import Imaging

/// A seeded, stratified percentile bootstrap of the AUC: each replicate draws the positives
/// and the negatives with replacement separately (so every replicate has both classes, as
/// pROC's `stratified = TRUE`), and the interval is the (1−level)/2 and (1+level)/2
/// quantiles of the replicate AUCs (linear interpolation between order statistics).
public enum AUCBootstrap {
    public static func interval(_ data: LabeledScores, level: Double = 0.95, replicates: Int = 2000,
                                seed: UInt64 = 1) throws -> AUCInterval {
        guard level > 0, level < 1 else { throw EvaluationError.invalidSetting("confidence level \(level) is outside (0, 1)") }
        guard replicates >= 10 else { throw EvaluationError.invalidSetting("bootstrap needs at least 10 replicates, got \(replicates)") }
        let x = data.positiveScores, y = data.negativeScores
        var rng = SplitMix64(seed: seed)
        var aucs = [Double]()
        aucs.reserveCapacity(replicates)
        for _ in 0..<replicates {
            let bx = (0..<x.count).map { _ in x[Int(rng.next(upperBound: UInt64(x.count)))] }
            let by = (0..<y.count).map { _ in y[Int(rng.next(upperBound: UInt64(y.count)))] }
            aucs.append(mannWhitneyAUC(positives: bx, negatives: by))
        }
        aucs.sort()
        let mean = aucs.reduce(0, +) / Double(replicates)
        let sd = (aucs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(replicates - 1)).squareRoot()
        return AUCInterval(auc: mannWhitneyAUC(positives: x, negatives: y),
                           lower: quantile(aucs, (1 - level) / 2), upper: quantile(aucs, (1 + level) / 2),
                           level: level, method: "bootstrap", standardError: sd,
                           replicates: replicates, seed: seed)
    }

    /// AUC = (R⁺ − m(m+1)/2) / (m n), R⁺ the midrank sum of the positives.
    static func mannWhitneyAUC(positives x: [Double], negatives y: [Double]) -> Double {
        let ranks = Ranks.midranks(x + y)
        let r = ranks[0..<x.count].reduce(0, +)
        let m = Double(x.count), n = Double(y.count)
        return (r - m * (m + 1) / 2) / (m * n)
    }

    /// Quantile of sorted values, numpy's default "linear" rule.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = q * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
