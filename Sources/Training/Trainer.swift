import Models
import Datasets
import Evaluation
import Foundation
import Imaging
import NeuralEngine

/// Settings of a training run; those that shape the random streams are saved in the
/// checkpoint and must match on resume.
public struct TrainingSettings: Sendable {
    public var batchSize = 16
    public var epochs = 10
    public var learningRate = 1e-4
    public var weightDecay = 0.0
    public var seed: UInt64 = 1
    public var augmentation = Augmentation()
    /// Input side (images are side × side).
    public var inputSize = 224
    /// Optimisation steps per epoch at most (nil: the whole training set), for short runs.
    public var maxStepsPerEpoch: Int?
    /// λ of the CAM term (`CAMLesionLoss`) on training images whose batch carries a lesion
    /// mask; 0 = BCE alone (and the batch source need not make masks).
    public var camLossWeight = 0.0
    /// The map the CAM term reads (`CAMLossMap`).
    public var camLossMap = CAMLossMap.layer4
    /// With `CAMLossMap.gradCAMCover`: the coverage term's weight relative to the share's.
    public var camCoverWeight = 1.0

    public init() {}

    public func validate() throws {
        guard batchSize > 0, epochs > 0, learningRate > 0, weightDecay >= 0, inputSize >= 32, camLossWeight >= 0,
              camLossWeight.isFinite, camCoverWeight >= 0, camCoverWeight.isFinite else {
            throw TrainingError("batch size, epochs and learning rate must be positive, weight decay and CAM loss weights ≥ 0, input size ≥ 32")
        }
        if let m = maxStepsPerEpoch, m <= 0 { throw TrainingError("max steps per epoch must be positive, got \(m)") }
        try augmentation.validate()
    }
}

/// What one epoch did.
public struct EpochReport: Sendable {
    public var epoch: Int            // 1-based
    public var steps: Int
    public var images: Int
    public var meanLoss: Double
    public var validationLoss: Double?
    public var validationAUC: Double?
    /// Wall time of the training steps (batch loading included, validation not).
    public var seconds: Double
    /// With a CAM loss weight: mean share of positive CAM mass outside the lesion over the
    /// epoch's masked training images, and how many there were (nil when none).
    public var camOutsideShare: (mean: Double, images: Int)?
    /// The same share over the validation images whose batch carries a lesion mask (real
    /// lesions held out for validation), and how many there were (nil when none).
    public var validationCAMOutsideShare: (mean: Double, images: Int)?

    public var line: String {
        var s = String(format: "epoch %d: loss %.4f over %d images (%d steps, %.1f images/s)",
                       epoch, meanLoss, images, steps, Double(images) / max(seconds, 1e-9))
        if let l = validationLoss { s += String(format: ", validation loss %.4f", l) }
        s += validationAUC.map { String(format: ", validation AUC %.4f", $0) } ?? ", validation AUC n/a"
        if let c = camOutsideShare {
            s += String(format: ", CAM mass outside lesions %.3f over %d masked images", c.mean, c.images)
        }
        if let c = validationCAMOutsideShare {
            s += String(format: ", validation CAM mass outside lesions %.3f over %d masked images", c.mean, c.images)
        }
        return s
    }
}

/// One training batch: input NCHW [N, 3, side, side], labels (1 abnormal), and per image the
/// lesion mask (side², row-major, in the input's geometry after augmentation) where one is
/// known, for `TrainingSettings.camLossWeight`; nil = no mask for any image.
public struct TrainingBatch {
    public var input: [Float]
    public var labels: [Float]
    public var lesionMasks: [[Bool]?]?

    public init(input: [Float], labels: [Float], lesionMasks: [[Bool]?]? = nil) {
        precondition(lesionMasks == nil || lesionMasks!.count == labels.count, "one lesion mask (or nil) per image")
        self.input = input
        self.labels = labels
        self.lesionMasks = lesionMasks
    }
}

/// The training loop: seeded epochs (order from `BatchSchedule`, augmentation from a
/// generator seeded by (seed, epoch)), Adam steps, validation AUC, and a checkpoint after
/// every epoch, so a run resumed from epoch k continues exactly like an uninterrupted one.
public final class Trainer {
    /// Makes a batch: input NCHW [N, 3, side, side], labels and (for a CAM loss) lesion masks,
    /// augmenting with `rng` unless `augmentation` is `.none`.
    public typealias BatchSource = (_ samples: [Sample], _ augmentation: Augmentation, _ rng: inout SplitMix64) throws
        -> TrainingBatch

    public let model: ResNet50
    public let optimizer: Adam
    public let settings: TrainingSettings
    let source: BatchSource
    /// Epochs finished so far (restored from a checkpoint on resume).
    public private(set) var epochsDone: Int
    /// Pooled features per sample while probing (see `probesCachedFeatures`).
    private var pooledCache: [Sample: [Float]] = [:]

    /// A linear probe on a held backbone without augmentation: a sample's pooled features
    /// never change, so each is computed once and the epochs train the head on them alone.
    public var probesCachedFeatures: Bool { model.firstTrainedStage == 5 && settings.augmentation == .none }

    public init(model: ResNet50, settings: TrainingSettings, source: @escaping BatchSource,
                resumeFrom checkpoint: (Checkpoint, SafetensorsFile)? = nil) throws {
        try settings.validate()
        self.model = model
        self.settings = settings
        self.source = source
        optimizer = Adam(store: model.store, learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        epochsDone = 0
        if let (c, file) = checkpoint {
            guard c.seed == settings.seed else {
                throw TrainingError("checkpoint was made with seed \(c.seed), this run has \(settings.seed): cannot continue exactly")
            }
            try Checkpoint.restore(optimizer, for: model, from: file, step: c.adamStep)
            epochsDone = c.epochsDone
        }
    }

    /// Augmentation generator of epoch `epoch` (0-based).
    static func augmentationRNG(seed: UInt64, epoch: Int) -> SplitMix64 {
        SplitMix64(seed: (seed &* 0xD1B5_4A32_D192_ED03) ^ (UInt64(truncatingIfNeeded: epoch) &+ 0x5851_F42D_4C95_7F2D))
    }

    /// Runs epochs until `settings.epochs` are done; after each, calls `epochEnded` (which
    /// writes the checkpoint in the CLI).
    public func run(train: Dataset, validation: Dataset?,
                    epochEnded: (EpochReport, Trainer) throws -> Void) throws -> [EpochReport] {
        var reports: [EpochReport] = []
        while epochsDone < settings.epochs {
            let report = try runEpoch(epochsDone, train: train, validation: validation)
            epochsDone += 1
            reports.append(report)
            try epochEnded(report, self)
        }
        return reports
    }

    func runEpoch(_ epoch: Int, train: Dataset, validation: Dataset?) throws -> EpochReport {
        let start = Date()
        var batches = try BatchSchedule.batches(train, batchSize: settings.batchSize, epoch: epoch, seed: settings.seed)
        if let m = settings.maxStepsPerEpoch { batches = Array(batches.prefix(m)) }
        guard !batches.isEmpty else { throw TrainingError("training set \(train.name) is empty") }
        var rng = Self.augmentationRNG(seed: settings.seed, epoch: epoch)
        var lossSum = 0.0, images = 0, shareSum = 0.0, masked = 0
        let side = settings.inputSize
        for b in batches {
            let loss: Double
            if probesCachedFeatures {
                let (pooled, y) = try cachedPooled(b)
                loss = model.headStep(pooled, labels: y, optimizer: optimizer)
            } else {
                let batch = try source(b, settings.augmentation, &rng)
                let r = model.trainStep(batch.input, labels: batch.labels, height: side, width: side,
                                        lesionMasks: batch.lesionMasks, camWeight: settings.camLossWeight,
                                        camMap: settings.camLossMap, camCoverWeight: settings.camCoverWeight, optimizer: optimizer)
                loss = r.loss
                for share in r.camOutsideShares.compactMap({ $0 }) { shareSum += share; masked += 1 }
            }
            guard loss.isFinite else { throw TrainingError("epoch \(epoch + 1): the loss became \(loss)") }
            lossSum += loss * Double(b.count)
            images += b.count
        }
        var report = EpochReport(epoch: epoch + 1, steps: batches.count, images: images, meanLoss: lossSum / Double(images),
                                 validationLoss: nil, validationAUC: nil, seconds: Date().timeIntervalSince(start))
        if masked > 0 { report.camOutsideShare = (shareSum / Double(masked), masked) }
        if let v = validation, !v.samples.isEmpty {
            let r = try evaluateWithCAM(v)
            report.validationLoss = r.loss
            report.validationAUC = r.auc
            report.validationCAMOutsideShare = r.camOutsideShare
        }
        return report
    }

    /// Mean BCE and slice-level AUC (nil when the set lacks a class) of a data set, no augmentation.
    public func evaluate(_ data: Dataset) throws -> (loss: Double, auc: Double?) {
        let r = try evaluateWithCAM(data)
        return (r.loss, r.auc)
    }

    /// `evaluate`, and the mean share of positive CAM mass outside the lesion over the images
    /// for which the batch source gives a lesion mask (nil when none).
    public func evaluateWithCAM(_ data: Dataset) throws -> (loss: Double, auc: Double?, camOutsideShare: (mean: Double, images: Int)?) {
        var shareSum = 0.0, masked = 0
        var scores: [Double] = [], labels: [Bool] = [], lossSum = 0.0
        var rng = SplitMix64(seed: 0)
        let side = settings.inputSize
        for start in stride(from: 0, to: data.samples.count, by: settings.batchSize) {
            let chunk = Array(data.samples[start..<min(start + settings.batchSize, data.samples.count)])
            let z: [Float], y: [Float]
            if probesCachedFeatures {
                let (pooled, labels) = try cachedPooled(chunk)
                (z, y) = (model.headLogits(pooled, n: chunk.count), labels)
            } else {
                let batch = try source(chunk, .none, &rng)
                if let masks = batch.lesionMasks, masks.contains(where: { $0 != nil }) {
                    let r = model.logitsAndCAMOutsideShares(batch.input, n: chunk.count, height: side, width: side, lesionMasks: masks,
                                                            map: settings.camLossMap)
                    for share in r.shares.compactMap({ $0 }) { shareSum += share; masked += 1 }
                    (z, y) = (r.logits, batch.labels)
                } else {
                    (z, y) = (model.logits(batch.input, n: chunk.count, height: side, width: side), batch.labels)
                }
            }
            lossSum += BCEWithLogits.lossAndGradient(logits: z, labels: y).loss * Double(chunk.count)
            scores += z.map(Double.init)
            labels += y.map { $0 > 0.5 }
        }
        let auc = try? ROCCurve(LabeledScores(scores: scores, labels: labels, source: data.name)).auc
        return (lossSum / Double(max(scores.count, 1)), auc, masked > 0 ? (shareSum / Double(masked), masked) : nil)
    }

    /// Pooled features [N][C] and labels of `samples`, computing only those not cached yet.
    private func cachedPooled(_ samples: [Sample]) throws -> (pooled: [Float], labels: [Float]) {
        let missing = samples.filter { pooledCache[$0] == nil }
        if !missing.isEmpty {
            var rng = SplitMix64(seed: 0)
            let side = settings.inputSize
            let x = try source(missing, .none, &rng).input
            let pooled = model.pooledFeatures(x, n: missing.count, height: side, width: side)
            let c = model.featureCount
            for (i, s) in missing.enumerated() { pooledCache[s] = Array(pooled[(i * c)..<((i + 1) * c)]) }
        }
        return (samples.flatMap { pooledCache[$0]! }, samples.map { $0.label ? 1 : 0 })
    }
}
