/// How to summarise one ROC analysis.
public struct ROCSettings: Codable, Equatable, Sendable {
    /// Thresholds (on the score scale) at which to report sensitivity and specificity.
    public var operatingPoints: [Double]
    /// Two-sided confidence level of the AUC interval.
    public var level: Double
    /// Bootstrap replicates in addition to DeLong; 0 for DeLong only.
    public var bootstrapReplicates: Int
    public var bootstrapSeed: UInt64
    /// Rows of the threshold table at most (see `ROCCurve.thresholdTable`).
    public var maxTableRows: Int

    public init(operatingPoints: [Double] = [], level: Double = 0.95, bootstrapReplicates: Int = 0,
                bootstrapSeed: UInt64 = 1, maxTableRows: Int = 101) {
        self.operatingPoints = operatingPoints
        self.level = level
        self.bootstrapReplicates = bootstrapReplicates
        self.bootstrapSeed = bootstrapSeed
        self.maxTableRows = maxTableRows
    }
}

/// One ROC analysis (slice level or case level) as written into the evaluation JSON.
public struct ROCSummary: Codable, Equatable, Sendable {
    public var name: String
    public var count: Int
    public var positives: Int
    public var negatives: Int
    /// The AUC with the DeLong interval.
    public var auc: AUCInterval
    public var bootstrap: AUCInterval?
    public var operatingPoints: [OperatingPointResult]
    public var youden: OperatingPointResult
    public var thresholdTable: [OperatingPointResult]
    /// The curve as [false positive rate, true positive rate] pairs, for plotting.
    public var curve: [[Double]]

    public init(name: String, data: LabeledScores, settings: ROCSettings = ROCSettings()) throws {
        let roc = ROCCurve(data)
        self.name = name
        count = data.scores.count
        positives = roc.positives
        negatives = roc.negatives
        auc = try DeLong(data).interval(level: settings.level)
        bootstrap = settings.bootstrapReplicates > 0
            ? try AUCBootstrap.interval(data, level: settings.level, replicates: settings.bootstrapReplicates,
                                        seed: settings.bootstrapSeed)
            : nil
        operatingPoints = settings.operatingPoints.map { roc.at(threshold: $0) }
        youden = roc.youdenOptimum
        thresholdTable = roc.thresholdTable(maxRows: settings.maxTableRows)
        curve = roc.points.map { [$0.falsePositiveRate, $0.sensitivity] }
    }
}
