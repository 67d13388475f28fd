/// Scores of a binary classifier with the true labels, the input of every ROC statistic.
/// A higher score means "more likely positive"; a sample is called positive at threshold t
/// when `score >= t` (the convention of scikit-learn's `roc_curve`).
public struct LabeledScores: Equatable, Sendable {
    public let scores: [Double]
    public let labels: [Bool]
    /// Names the data in error messages (file name, "slices", "cases").
    public let source: String

    /// Throws when counts differ, a score is not finite, or a class is empty.
    public init(scores: [Double], labels: [Bool], source: String = "scores") throws {
        guard scores.count == labels.count else {
            throw EvaluationError.invalidData(source: source,
                reason: "\(scores.count) scores but \(labels.count) labels")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw EvaluationError.invalidData(source: source, reason: "score \(bad) is not a finite number")
        }
        let positives = labels.filter { $0 }.count
        guard positives > 0, positives < labels.count else {
            throw EvaluationError.invalidData(source: source,
                reason: "needs both classes, has \(positives) positive of \(labels.count)")
        }
        self.scores = scores
        self.labels = labels
        self.source = source
    }

    public var positiveCount: Int { labels.filter { $0 }.count }
    public var negativeCount: Int { labels.count - positiveCount }
    public var positiveScores: [Double] { zip(scores, labels).filter { $0.1 }.map(\.0) }
    public var negativeScores: [Double] { zip(scores, labels).filter { !$0.1 }.map(\.0) }
}
