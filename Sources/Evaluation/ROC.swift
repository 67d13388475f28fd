/// Sensitivity and specificity of "positive when score ≥ threshold", with the counts.
public struct OperatingPointResult: Codable, Equatable, Sendable {
    /// `+∞` for the curve's first point (nothing called positive); encoded as null in JSON.
    public var threshold: Double
    public var truePositives: Int
    public var falsePositives: Int
    public var trueNegatives: Int
    public var falseNegatives: Int

    public init(threshold: Double, truePositives: Int, falsePositives: Int,
                trueNegatives: Int, falseNegatives: Int) {
        self.threshold = threshold
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// TP / (TP + FN), the true positive rate.
    public var sensitivity: Double { Double(truePositives) / Double(max(truePositives + falseNegatives, 1)) }
    /// TN / (TN + FP) = 1 − false positive rate.
    public var specificity: Double { Double(trueNegatives) / Double(max(trueNegatives + falsePositives, 1)) }
    public var falsePositiveRate: Double { 1 - specificity }
    /// Youden's J = sensitivity + specificity − 1.
    public var youdenIndex: Double { sensitivity + specificity - 1 }

    enum CodingKeys: String, CodingKey {
        case threshold, truePositives, falsePositives, trueNegatives, falseNegatives
        case sensitivity, specificity, youdenIndex
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if threshold.isFinite { try c.encode(threshold, forKey: .threshold) } else { try c.encodeNil(forKey: .threshold) }
        try c.encode(truePositives, forKey: .truePositives)
        try c.encode(falsePositives, forKey: .falsePositives)
        try c.encode(trueNegatives, forKey: .trueNegatives)
        try c.encode(falseNegatives, forKey: .falseNegatives)
        try c.encode(sensitivity, forKey: .sensitivity)
        try c.encode(specificity, forKey: .specificity)
        try c.encode(youdenIndex, forKey: .youdenIndex)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold) ?? .infinity
        truePositives = try c.decode(Int.self, forKey: .truePositives)
        falsePositives = try c.decode(Int.self, forKey: .falsePositives)
        trueNegatives = try c.decode(Int.self, forKey: .trueNegatives)
        falseNegatives = try c.decode(Int.self, forKey: .falseNegatives)
    }
}

/// The empirical ROC curve: one point per distinct score (as threshold, descending), preceded
/// by the point (0, 0) at threshold +∞. Same points as scikit-learn's
/// `roc_curve(y, s, drop_intermediate=False)`.
public struct ROCCurve: Sendable {
    public let points: [OperatingPointResult]
    public let positives: Int
    public let negatives: Int

    public init(_ data: LabeledScores) {
        positives = data.positiveCount
        negatives = data.negativeCount
        let order = data.scores.indices.sorted { data.scores[$0] > data.scores[$1] }
        var points = [OperatingPointResult(threshold: .infinity, truePositives: 0, falsePositives: 0,
                                           trueNegatives: negatives, falseNegatives: positives)]
        var tp = 0, fp = 0, i = 0
        while i < order.count {
            let threshold = data.scores[order[i]]
            // All samples tied at this score change state together.
            while i < order.count, data.scores[order[i]] == threshold {
                if data.labels[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append(OperatingPointResult(threshold: threshold, truePositives: tp, falsePositives: fp,
                                               trueNegatives: negatives - fp, falseNegatives: positives - tp))
        }
        self.points = points
    }

    /// Area under the curve by the trapezoid rule; equals the Mann–Whitney estimate
    /// P(score⁺ > score⁻) + ½ P(score⁺ = score⁻).
    public var auc: Double {
        var area = 0.0
        for (a, b) in zip(points, points.dropFirst()) {
            area += (b.falsePositiveRate - a.falsePositiveRate) * (b.sensitivity + a.sensitivity) / 2
        }
        return area
    }

    /// The point maximising Youden's J (the first, i.e. highest threshold, among equals),
    /// never the +∞ start point unless nothing beats J = 0.
    public var youdenOptimum: OperatingPointResult {
        var best = points[0]
        for p in points.dropFirst() where p.youdenIndex > best.youdenIndex { best = p }
        return best
    }

    /// Sensitivity and specificity at a given threshold (score ≥ threshold is positive).
    public func at(threshold: Double) -> OperatingPointResult {
        // The last point whose threshold is ≥ the asked one holds the same counts.
        var result = points[0]
        for p in points where p.threshold >= threshold { result = p }
        return OperatingPointResult(threshold: threshold, truePositives: result.truePositives,
                                    falsePositives: result.falsePositives,
                                    trueNegatives: result.trueNegatives, falseNegatives: result.falseNegatives)
    }

    /// The threshold table: every point of the curve when there are at most `maxRows`
    /// distinct thresholds; otherwise the points at evenly spaced ranks of the thresholds
    /// (first and last included, plus Youden's optimum), so a table of 10,000 slices stays
    /// readable.
    public func thresholdTable(maxRows: Int = 101) -> [OperatingPointResult] {
        let finite = Array(points.dropFirst())
        guard finite.count > maxRows, maxRows >= 2 else { return finite }
        var picked = Set((0..<maxRows).map { $0 * (finite.count - 1) / (maxRows - 1) })
        if let y = finite.firstIndex(of: youdenOptimum) { picked.insert(y) }
        return picked.sorted().map { finite[$0] }
    }
}
