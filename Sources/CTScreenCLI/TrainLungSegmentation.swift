import ArgumentParser
import Foundation
import Imaging
import LungModel
import Models
import NeuralEngine
import Phantom
import Preparation
import Segmentation
import Training
import Volumes

/// `ctscreen train-lungseg`: trains the U-Net lung segmentation (`--lung-model`).
struct TrainLungSegmentation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-lungseg",
        abstract: "Trains the U-Net lung segmentation (VGG-16 encoder) on slices with lung masks; BCE + Dice, Adam.",
        discussion: """
        Training slices: synthetic chests (`ctscreen phantom`'s generator, ground-truth lungs, \
        consolidation and ground glass included) and the given CT studies with the classical \
        method's lung mask as the target, a share of their lung slices also with dense opacities \
        painted in (the target unchanged: opacities inside the lung are lung, which the classical \
        threshold loses). Validation: held-out phantoms, and painted slices of --validation-volume. \
        Writes OUT/model.safetensors (the best validation Dice; its metadata says how slices are \
        prepared) and OUT/log.txt. Not for clinical use.
        """)

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "VGG-16 encoder weights to start from (`Scripts/import-vgg16.py`; its metadata's channel mean/std are used). Default: from scratch.")
    var initEncoder: String?

    @Option(help: "A whole U-Net to continue training (an earlier run's model.safetensors; its preparation metadata is kept). Excludes --init-encoder.")
    var initModel: String?

    @Option(parsing: .upToNextOption, help: "CT studies (DICOM folders or NIfTI files) whose classical lung masks are targets.")
    var volume: [String] = []

    @Option(name: .customLong("validation-volume"), parsing: .upToNextOption, help: "CT studies held out for validation (painted slices).")
    var validationVolume: [String] = []

    @Option(help: "Training phantoms (seeds 1…N; 256², 2.5 mm slices, 0–4 consolidations and 0–3 ground-glass lesions).")
    var phantoms = 8

    @Option(name: .customLong("validation-phantoms"), help: "Phantoms held out for validation (seeds 1001…).")
    var validationPhantoms = 2

    @Option(help: "Use every N-th slice of each study.")
    var every = 2

    @Option(name: .customLong("paint-share"), help: "Share of the studies' lung slices also used with painted opacities.")
    var paintShare = 0.5

    @Option(help: "Side of the network input (a multiple of 32).")
    var size = 256

    @Option(name: .customLong("decoder-width"), help: "Decoder width f (TernausNet-16: 32).")
    var decoderWidth = 32

    @Option(name: .customLong("encoder-width"), help: "First encoder width (VGG-16: 64; the stages double up to 8×). Must be 64 with --init-encoder.")
    var encoderWidth = 64

    @Option(name: .customLong("frozen-encoder-stages"), help: "Leading VGG stages (0–5) held fixed: no gradients, faster steps (with a pretrained encoder, 2 keeps its edge and texture filters).")
    var frozenEncoderStages = 0

    @Option var epochs = 4
    @Option(name: .customLong("batch-size")) var batchSize = 4
    @Option(help: "Adam learning rate.") var lr = 1e-4
    @Option var seed: UInt64 = 1
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard size >= 32, size % 32 == 0 else { throw ValidationError("--size must be a multiple of 32") }
        guard epochs >= 1, batchSize >= 1, every >= 1, phantoms >= 0, validationPhantoms >= 0 else {
            throw ValidationError("--epochs, --batch-size and --every must be at least 1, phantom counts at least 0")
        }
        guard (0...5).contains(frozenEncoderStages) else { throw ValidationError("--frozen-encoder-stages must be within 0...5") }
        guard initEncoder == nil || encoderWidth == 64 else { throw ValidationError("--init-encoder needs --encoder-width 64") }
        guard phantoms + volume.count > 0 else { throw ValidationError("no training data: give --phantoms or --volume") }
        guard initModel == nil || initEncoder == nil else { throw ValidationError("--init-model and --init-encoder exclude each other") }
    }

    func run() throws {
        try reportingErrors("train-lungseg") {
            EngineThreads.set(engine.threads)
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let log = try TrainingLog(folder.appendingPathComponent("log.txt"))
            // Weights and how slices are prepared.
            var preparation = UNetLungSegmenter.defaultPreparation
            var pretrained: [String: Tensor] = [:]
            if let initEncoder {
                let file = try SafetensorsFile(path: initEncoder)
                for name in file.entries.keys.sorted() where name.hasPrefix("encoder.") { pretrained[name] = try file.tensor(name) }
                preparation = try InputPreparation(metadata: file.metadata, defaults: preparation, source: initEncoder)
            }
            let net: UNet16
            if let initModel {
                let file = try SafetensorsFile(path: initModel)
                net = try UNet16(source: initModel, tensor: { try file.tensor($0) })
                preparation = try InputPreparation(metadata: file.metadata, defaults: preparation, source: initModel)
                if let trained = file.metadata[UNetLungSegmenter.inputSizeKey], trained != "\(size)" {
                    throw ValidationError("--init-model \(initModel) was trained at \(trained)², not --size \(size)")
                }
            } else {
                let widths = (0..<5).map { encoderWidth << min($0, 3) }
                let tensors = try UNetWeights.initial(encoder: widths, decoder: decoderWidth, seed: seed, pretrained: pretrained)
                net = try UNet16(source: "initial weights", tensor: { tensors[$0]! })
            }
            let widths = net.widths.encoder
            net.frozenEncoderStages = frozenEncoderStages
            let input = LungSliceInput(preparation: preparation, inputSize: size)
            let start = initModel.map { "all weights from \($0)" } ?? "encoder " + (initEncoder.map { "from \($0)" } ?? "from scratch")
            log.say("U-Net: encoder \(widths), decoder \(net.widths.decoder), \(net.store.scalarCount) parameters, "
                    + "\(start) (first \(frozenEncoderStages) stages held); input \(size)², \(preparation.summary)")
            // Data.
            let train = try samples(phantomSeeds: phantoms > 0 ? Array(1...phantoms) : [], volumes: volume, input: input, paint: paintShare)
            let validation = try samples(phantomSeeds: validationPhantoms > 0 ? Array(1001...(1000 + validationPhantoms)) : [],
                                         volumes: validationVolume, input: input, paint: 1, onlyPaintedVolumes: true)
            log.say("data: \(train.count) training slices, \(validation.count) validation slices")
            let trainer = UNetTrainer(network: net, learningRate: lr)
            var rng = SplitMix64(seed: seed)
            var best = -1.0
            for epoch in 1...epochs {
                let started = Date()
                var order = Array(train.indices)
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                var losses: [Double] = []
                for start in stride(from: 0, to: order.count, by: batchSize) {
                    let batch = order[start..<min(start + batchSize, order.count)].map { train[$0] }
                    let l = try trainer.step(inputs: batch.flatMap { input.channels($0.windowed) },
                                             labels: batch.flatMap { $0.target.map(Float.init) }, count: batch.count, size: size)
                    losses.append(l.loss)
                }
                let dice = try self.dice(trainer, validation, input)
                let summary = String(format: "epoch %d: loss %.4f over %d slices (%.0f s); validation Dice %.4f (phantoms %.4f, painted studies %.4f)",
                                     epoch, losses.reduce(0, +) / Double(max(1, losses.count)), train.count,
                                     Date().timeIntervalSince(started), dice.all, dice.phantoms, dice.painted)
                log.say(summary)
                if dice.all > best {
                    best = dice.all
                    var metadata = preparation.metadata
                    metadata[UNetLungSegmenter.inputSizeKey] = "\(size)"
                    metadata["ctscreen.lungseg.epoch"] = "\(epoch)"
                    metadata["ctscreen.lungseg.validation_dice"] = String(format: "%.4f", dice.all)
                    try SafetensorsWriter.write(net.store.tensors(), to: folder.appendingPathComponent("model.safetensors").path,
                                                dtype: .f16, metadata: metadata)
                    log.say("  best so far: wrote model.safetensors")
                }
            }
        }
    }

    func samples(phantomSeeds: [Int], volumes: [String], input: LungSliceInput, paint: Double,
                 onlyPaintedVolumes: Bool = false) throws -> [LungSegmentationSample] {
        var out: [LungSegmentationSample] = []
        for s in phantomSeeds {
            var settings = PhantomSettings.small(seed: UInt64(s), groundGlass: s % 4, consolidation: s % 5)
            settings.columns = 256; settings.rows = 256; settings.pixelSpacing = 1.4
            let p = PhantomGenerator.make(settings)
            out += LungSegmentationSamples.from(p.volume, mask: p.lungMask, name: "phantom-\(s)", input: input, every: every)
        }
        for path in volumes {
            let v = try StudyFile.read(path)
            let lungs = try LungSegmenter().segment(v)
            let samples = LungSegmentationSamples.from(v, mask: lungs.mask, name: StudyFile.name(of: path), input: input,
                                                       every: every, paintShare: paint, seed: seed)
            out += onlyPaintedVolumes ? samples.filter { $0.name.hasSuffix("+paint") } : samples
        }
        return out
    }

    func dice(_ trainer: UNetTrainer, _ samples: [LungSegmentationSample], _ input: LungSliceInput) throws
        -> (all: Double, phantoms: Double, painted: Double) {
        var all: [Double] = [], phantoms: [Double] = [], painted: [Double] = []
        for start in stride(from: 0, to: samples.count, by: batchSize) {
            let batch = Array(samples[start..<min(start + batchSize, samples.count)])
            let d = try trainer.dice(inputs: batch.flatMap { input.channels($0.windowed) },
                                     labels: batch.flatMap { $0.target.map(Float.init) }, count: batch.count, size: size)
            for (sample, value) in zip(batch, d) {
                all.append(value)
                if sample.name.hasPrefix("phantom-") { phantoms.append(value) } else { painted.append(value) }
            }
        }
        func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
        return (mean(all), mean(phantoms), mean(painted))
    }
}

/// A training log: every line to stdout and to a file.
final class TrainingLog {
    private let handle: FileHandle
    init(_ url: URL) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }
    func say(_ line: String) {
        print(line)
        handle.write(Data((line + "\n").utf8))
    }
}
