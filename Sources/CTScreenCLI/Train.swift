import Models
import ArgumentParser
import Datasets
import Foundation
import NeuralEngine
import Preparation
import Screening
import Segmentation
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune or train the ResNet-50 slice classifier (BCE, Adam, frozen BatchNorm statistics).",
        discussion: """
        Data sets are chosen by flags and merged; the split into train / validation / test is by \
        patient or volume, never by slice. Every epoch prints a line with the mean training loss \
        and the validation AUC, and writes OUT/checkpoint.safetensors (weights, Adam state, \
        epochs done, seed) and OUT/model.safetensors (F32, torchvision names); the epoch with the \
        best validation AUC so far is also kept as OUT/best-f16.safetensors; the end of the run \
        writes OUT/model-f16.safetensors (the last epoch) for shipping. --resume continues from OUT's checkpoint \
        exactly (same data order and augmentation as an uninterrupted run). --init takes any \
        torchvision-layout ResNet safetensors file; a head with other than one output (e.g. \
        ImageNet's 1000 classes) is replaced by a fresh single-logit head. Without --init the \
        network starts from seeded He-normal weights with zero-initialised residual branches.
        """)

    @OptionGroup var data: DatasetOptions

    @Option(name: .customLong("train-fraction"), help: "Share of samples (by whole groups) for training.")
    var trainFraction = 0.7
    @Option(name: .customLong("validation-fraction"), help: "Share of samples (by whole groups) for validation.")
    var validationFraction = 0.15
    @Option(name: .customLong("train-group"), parsing: .singleValue,
            help: "A group (e.g. covid-ct-md/normal001-normal) put whole in the training split; repeatable.")
    var trainGroups: [String] = []
    @Option(name: .customLong("test-group"), parsing: .singleValue,
            help: "A group put whole in the test split (e.g. leave one volume out); repeatable.")
    var testGroups: [String] = []
    @Option(name: .customLong("batch-size"), help: "Images per optimisation step.")
    var batchSize = 16
    @Option(help: "Epochs in total (a resumed run continues up to this number).")
    var epochs = 10
    @Option(help: "Adam learning rate.")
    var lr = 1e-4
    @Option(name: .customLong("weight-decay"), help: "Decoupled weight decay of conv and fc weights.")
    var weightDecay = 0.0
    @Option(help: "Seed of the split, data order, augmentation and fresh weights.")
    var seed: UInt64 = 1
    @Option(name: .customLong("split-seed"),
            help: "Seed of the patient-wise split alone (default: --seed): another --seed then trains on the same split again.")
    var splitSeed: UInt64?
    @Flag(name: .customLong("no-augmentation"), help: "Turn off rotation / flip / crop augmentation.")
    var noAugmentation = false
    @Option(name: .customLong("input-size"), help: "Input side in pixels (224 for the shipped model).")
    var inputSize = 224
    @OptionGroup var engine: EngineOptions
    @Option(name: .customLong("init"), help: "Initial weights (safetensors, torchvision names).")
    var initPath: String?
    @Option(name: .customLong("base-width"), help: "Width of fresh weights without --init (64 = ResNet-50).")
    var baseWidth = 64
    @Option(name: .customLong("out"), help: "Output folder for checkpoints and weights (created if missing).")
    var out: String
    @Flag(help: "Continue from OUT/checkpoint.safetensors.")
    var resume = false
    @Option(name: .customLong("max-steps"), help: "At most this many steps per epoch (short runs).")
    var maxSteps: Int?
    @Option(help: "At most this many samples per label in each split (short runs).")
    var limit: Int?
    @Flag(name: .customLong("train-batchnorm-statistics"),
          help: "BatchNorm in training mode: normalise by each batch's statistics and move the running ones (momentum 0.1). Default: frozen running statistics (fine-tuning).")
    var trainBatchNormStatistics = false
    @Option(name: .customLong("lesion-paste"),
            help: "COVID-19-CT-Seg folder (images, infection-pseudo-masks) whose lesions are pasted into negative 2D training images; every other patient is a donor (listed in OUT/lesion-donors.txt), the rest stay unseen.")
    var lesionPasteFolder: String?
    @Option(name: .customLong("lesion-paste-probability"), help: "Share of negative 2D training images that get a pasted lesion.")
    var lesionPasteProbability = 0.5
    @Flag(name: .customLong("train-on-donors"),
          help: "Also train on the paste donors' own slices (images with their infection masks, positives and negatives; at most --max-per-group per volume), added to the training split after the split is dealt. Needs --lesion-paste.")
    var trainOnDonors = false
    @Option(name: .customLong("validation-donor"), parsing: .singleValue,
            help: "A lesion donor volume (e.g. covid19-ct-seg/coronacases_org_008) kept out of the paste and of training; its slices (at most --max-per-group) join the validation split. Repeatable; needs --lesion-paste.")
    var validationDonors: [String] = []
    @Option(name: .customLong("lesion-erase-probability"),
            help: "Share of the masked positive training slices (--train-on-donors, --covid19-ct-seg, --medseg) whose lesion is painted over as healthy lung, each then a negative: the same slice with and without its lesion. 0 = off.")
    var lesionEraseProbability = 0.0
    @Flag(name: .customLong("keep-epoch-weights"),
          help: "Also write every epoch's weights, OUT/epoch-K-f16.safetensors (to measure each epoch on validation afterwards).")
    var keepEpochWeights = false
    @Option(name: .customLong("cam-loss-weight"),
            help: "λ of a loss on the class activation map of training slices with a known lesion (pasted lesions, masked 2D images): λ × the share of positive CAM mass outside the lesion. 0 = BCE alone.")
    var camLossWeight = 0.0
    @Option(name: .customLong("cam-loss-map"),
            help: "The map --cam-loss-weight reads: layer4 (the class activation map of layer4, 7×7), grad-cam (the pipeline's Grad-CAM of layer3 and layer2, 14×14 and 28×28, which analyze fuses; needs --train-from layer2 or earlier) or grad-cam-cover (grad-cam, plus how far the lesion's cells fall short of each map's peak: asks for maps flat-topped over the lesion).")
    var camLossMap: CAMLossMap = .layer4
    @Option(name: .customLong("cam-cover-weight"),
            help: "With --cam-loss-map grad-cam-cover: the coverage term's weight relative to the share outside the lesion (default 1).")
    var camCoverWeight: Double?
    @Option(name: .customLong("train-from"),
            help: "First stage trained: stem (all), layer1 … layer4, or fc (a linear probe on a held backbone). Held stages keep their --init weights.")
    var trainFrom: TrainedStages = .stem

    func validate() throws {
        guard !data.isEmpty else {
            throw ValidationError("choose at least one data set (--ucsd, --covid19-ct-seg, --medseg, --image-csv, --volume-csv)")
        }
        guard batchSize > 0, epochs > 0, lr > 0, baseWidth > 0, inputSize >= 32 else {
            throw ValidationError("--batch-size, --epochs, --lr, --base-width must be positive, --input-size ≥ 32")
        }
        if let m = maxSteps, m <= 0 { throw ValidationError("--max-steps must be positive") }
        if let l = limit, l <= 0 { throw ValidationError("--limit must be positive") }
        if resume && initPath != nil { throw ValidationError("--resume and --init exclude each other") }
        if trainFrom != .stem && initPath == nil && !resume {
            throw ValidationError("--train-from \(trainFrom.rawValue) holds stages at their initial weights: give --init")
        }
        guard camLossWeight >= 0, camLossWeight.isFinite else { throw ValidationError("--cam-loss-weight must be ≥ 0") }
        if let w = camCoverWeight {
            guard camLossMap == .gradCAMCover else { throw ValidationError("--cam-cover-weight needs --cam-loss-map grad-cam-cover") }
            guard w >= 0, w.isFinite else { throw ValidationError("--cam-cover-weight must be ≥ 0") }
        }
        if camLossMap.readsGradCAM && trainFrom.stage > TrainedStages.layer2.stage {
            throw ValidationError("--cam-loss-map \(camLossMap.rawValue) acts on layer2's and layer3's outputs: train from layer2 or earlier")
        }
        if (trainOnDonors || !validationDonors.isEmpty) && lesionPasteFolder == nil {
            throw ValidationError("--train-on-donors and --validation-donor need --lesion-paste")
        }
        if (trainOnDonors || !validationDonors.isEmpty) && data.covid19CTSeg != nil {
            throw ValidationError("--train-on-donors and --validation-donor add the donors themselves: do not also give --covid19-ct-seg")
        }
        if camLossWeight > 0 && lesionPasteFolder == nil && data.covid19CTSeg == nil && data.medseg == nil {
            throw ValidationError("--cam-loss-weight needs slices with known lesions: --lesion-paste, --covid19-ct-seg or --medseg")
        }
        if camLossWeight > 0 && (trainFrom == .fc && noAugmentation) {
            throw ValidationError("--cam-loss-weight has no effect on a linear probe on cached features (--train-from fc --no-augmentation)")
        }
        guard lesionEraseProbability >= 0, lesionEraseProbability <= 1 else {
            throw ValidationError("--lesion-erase-probability must be in [0, 1]")
        }
        if lesionEraseProbability > 0 && !trainOnDonors && data.covid19CTSeg == nil && data.medseg == nil {
            throw ValidationError("--lesion-erase-probability needs masked positives in training: --train-on-donors, --covid19-ct-seg or --medseg")
        }
        guard lesionPasteProbability > 0, lesionPasteProbability <= 1 else {
            throw ValidationError("--lesion-paste-probability must be in (0, 1]")
        }
    }

    func run() throws { try reportingErrors("train", train) }

    func train() throws {
        EngineThreads.set(engine.threads)
        let folder = URL(fileURLWithPath: out)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw TrainingError("\(out): cannot create the output folder: \(error.localizedDescription)")
        }
        let all = try data.dataset()
        var splits = try DatasetSplits.split(all, train: trainFraction, validation: validationFraction, seed: splitSeed ?? seed)
            .forcing(train: trainGroups, test: testGroups)
        // Donor slices go in after the deal, so every other group (the test split above all)
        // lands where it would without them.
        let donorPlan = try lesionPasteFolder.map {
            try LesionDonorPlan(set: DatasetBuilder.covid19CTSeg(root: URL(fileURLWithPath: $0)), validation: validationDonors)
        }
        if let plan = donorPlan, trainOnDonors || !plan.validationVolumes.isEmpty {
            splits = try splits.adding(train: trainOnDonors ? plan.trainingSamples(cap: data.maxPerGroup) : [],
                                       validation: plan.validationSamples(cap: data.maxPerGroup))
            let added = trainOnDonors ? plan.trainingSamples(cap: data.maxPerGroup) : []
            let held = plan.validationSamples(cap: data.maxPerGroup)
            print("lesion donors: \(added.count) slices (\(added.filter(\.label).count) with a lesion) of "
                  + "\(trainOnDonors ? plan.pasteVolumes.count : 0) volumes added to training, \(held.count) slices "
                  + "(\(held.filter(\.label).count) with a lesion) of \(plan.validationVolumes.joined(separator: ", ")) to validation")
        }
        if let l = limit {
            splits.train = splits.train.subsample(limitPerLabel: l)
            splits.validation = splits.validation.subsample(limitPerLabel: l)
            splits.test = splits.test.subsample(limitPerLabel: l)
        }
        print("data: \(all.samples.count) samples in \(all.groups.count) groups; train \(splits.train.samples.count), "
              + "validation \(splits.validation.samples.count), test \(splits.test.samples.count)")
        let splitsJSON = try JSONEncoder().encode(["train": splits.train, "validation": splits.validation, "test": splits.test])
        // predict and evaluate read the test split from this file: failing to write it is an error.
        do { try splitsJSON.write(to: folder.appendingPathComponent("splits.json")) } catch {
            throw TrainingError("\(out)/splits.json: cannot write the splits: \(error.localizedDescription)")
        }

        var settings = TrainingSettings()
        settings.batchSize = batchSize
        settings.epochs = epochs
        settings.learningRate = lr
        settings.weightDecay = weightDecay
        settings.seed = seed
        settings.inputSize = inputSize
        settings.maxStepsPerEpoch = maxSteps
        settings.camLossWeight = camLossWeight
        settings.camLossMap = camLossMap
        settings.camCoverWeight = camCoverWeight ?? 1
        if noAugmentation { settings.augmentation = .none }

        let checkpointPath = folder.appendingPathComponent(Checkpoint.fileName).path
        let model: ResNet50
        var resumeFrom: (Checkpoint, SafetensorsFile)?
        // How the model wants slices prepared: from --init's metadata, or the checkpoint's.
        var preparation = InputPreparation.standard
        if resume {
            let (c, m, file) = try Checkpoint.read(checkpointPath)
            guard c.extra["train_samples"] == String(splits.train.samples.count) else {
                throw TrainingError("\(checkpointPath): made for \(c.extra["train_samples"] ?? "?") training samples, "
                                    + "this run has \(splits.train.samples.count): use the same data flags to resume")
            }
            let saved = c.extra["batchnorm_statistics"] == "1"
            guard saved == trainBatchNormStatistics else {
                throw TrainingError("\(checkpointPath): trained \(saved ? "with" : "without") --train-batchnorm-statistics; "
                                    + "resume with the same setting")
            }
            guard (c.extra["cam_loss_map"] ?? CAMLossMap.layer4.rawValue) == camLossMap.rawValue else {
                throw TrainingError("\(checkpointPath): trained with --cam-loss-map \(c.extra["cam_loss_map"] ?? "layer4"); resume with the same map")
            }
            guard camLossMap != .gradCAMCover || c.extra["cam_cover_weight"].flatMap(Double.init) ?? 1 == settings.camCoverWeight else {
                throw TrainingError("\(checkpointPath): trained with --cam-cover-weight \(c.extra["cam_cover_weight"] ?? "1"); resume with the same weight")
            }
            guard (c.extra["lesion_erase_probability"].flatMap(Double.init) ?? 0) == lesionEraseProbability else {
                throw TrainingError("\(checkpointPath): trained with --lesion-erase-probability \(c.extra["lesion_erase_probability"] ?? "0"); resume with the same probability")
            }
            model = m
            resumeFrom = (c, file)
            preparation = try InputPreparation(metadata: c.extra, source: checkpointPath)
            print("resuming after epoch \(c.epochsDone) (Adam step \(c.adamStep))")
        } else if let p = initPath {
            model = try ResNet50(path: p, headSeed: seed)
            preparation = try InputPreparation(metadata: SafetensorsFile(path: p).metadata, source: p)
            if model.freshHead { print("note: \(p) has a multi-class fc; using a fresh single-logit head") }
        } else {
            model = try ResNet50(tensors: RandomResNetWeights.make(baseWidth: baseWidth, seed: seed, zeroResidualBranches: true))
        }
        if trainBatchNormStatistics { model.batchNormMomentum = 0.1 }
        model.train(fromStage: trainFrom.stage)
        print("model: blocks \(model.blockCounts), \(model.featureCount) features, \(model.store.scalarCount) parameters, "
              + "trained from \(trainFrom.rawValue); input \(preparation.summary)")

        var screening = preparation.applied(to: .standard)
        screening.inputSize = inputSize
        let loader = try SampleLoader(settings: screening, segmenter: data.hasVolumes ? ClassicalLungSegmenter() : nil)
        let cache = TrainSliceCache(loader: loader)
        let cached = try cache.preload(splits.train.samples + splits.validation.samples)
        if cached > 0 { print("read \(cached) volume slices into memory") }
        if let plan = donorPlan { cache.lesionPaste = try lesionDonors(plan, side: inputSize, out: out, cache: cache) }
        if lesionEraseProbability > 0 {
            cache.lesionErase = LesionErase(probability: lesionEraseProbability)
            print("lesion erase: probability \(lesionEraseProbability) on the \(splits.train.samples.filter { $0.label && $0.hasMask }.count) masked positive training slices")
        }
        let trainer = try Trainer(model: model, settings: settings, source: { samples, aug, rng in
            try cache.batch(samples, augmentation: aug, wantMasks: camLossWeight > 0 || !validationDonors.isEmpty, rng: &rng)
        }, resumeFrom: resumeFrom)
        let trainCount = String(splits.train.samples.count)
        // Every file written carries the input preparation, so a trained model is read right.
        let with = { (m: [String: String]) in m.merging(preparation.metadata) { a, _ in a } }
        // The epoch with the best validation AUC so far (kept in the checkpoint across resumes).
        var best: (epoch: Int, auc: Double)? = resumeFrom.flatMap { c, _ in
            guard let e = c.extra["best_epoch"].flatMap(Int.init), let a = c.extra["best_validation_auc"].flatMap(Double.init) else { return nil }
            return (e, a)
        }
        _ = try trainer.run(train: splits.train, validation: splits.validation) { report, t in
            print(report.line)
            let ph = t.model.phaseSeconds, steps = Double(max(report.steps, 1))
            if !t.probesCachedFeatures { print(String(format: "  seconds per step: forward %.2f, backward %.2f (weight gradients %.2f), Adam %.2f, data and rest %.2f",
                         (ph["forward"] ?? 0) / steps, (ph["backward"] ?? 0) / steps, (ph["weight gradients"] ?? 0) / steps,
                         (ph["adam"] ?? 0) / steps,
                         (report.seconds - (ph["forward"] ?? 0) - (ph["backward"] ?? 0) - (ph["adam"] ?? 0)) / steps)) }
            t.model.phaseSeconds = [:]
            fflush(nil)  // every output stream (the C global stdout is not concurrency-safe to name)
            if let auc = report.validationAUC, auc > (best?.auc ?? -1) {
                best = (report.epoch, auc)
                try t.model.writeWeights(to: folder.appendingPathComponent("best-f16.safetensors").path, dtype: .f16,
                                         metadata: with(["epochs": String(t.epochsDone), "validation_auc": String(auc)]))
            }
            var extra = with(["train_samples": trainCount, "learning_rate": String(t.settings.learningRate),
                              "cam_loss_weight": String(t.settings.camLossWeight), "cam_loss_map": t.settings.camLossMap.rawValue,
                              "cam_cover_weight": String(t.settings.camCoverWeight),
                              "lesion_erase_probability": String(lesionEraseProbability)])
            if let b = best { extra["best_epoch"] = String(b.epoch); extra["best_validation_auc"] = String(b.auc) }
            if trainBatchNormStatistics { extra["batchnorm_statistics"] = "1" }
            try Checkpoint(epochsDone: t.epochsDone, adamStep: t.optimizer.step, seed: t.settings.seed, extra: extra)
                .write(model: t.model, optimizer: t.optimizer, to: checkpointPath)
            try t.model.writeWeights(to: folder.appendingPathComponent("model.safetensors").path,
                                     metadata: with(["epochs": String(t.epochsDone)]))
            if keepEpochWeights {
                var m = ["epochs": String(t.epochsDone)]
                if let auc = report.validationAUC { m["validation_auc"] = String(auc) }
                try t.model.writeWeights(to: folder.appendingPathComponent("epoch-\(report.epoch)-f16.safetensors").path,
                                         dtype: .f16, metadata: with(m))
            }
        }
        try model.writeWeights(to: folder.appendingPathComponent("model-f16.safetensors").path, dtype: .f16,
                               metadata: with(["epochs": String(trainer.epochsDone)]))
        print("wrote \(folder.path)/model.safetensors, model-f16.safetensors, checkpoint.safetensors"
              + (best.map { String(format: ", best-f16.safetensors (epoch %d, validation AUC %.4f)", $0.epoch, $0.auc) } ?? ""))
    }

    /// The paste donors of --lesion-paste (`LesionDonorPlan`: the patients at odd places of the
    /// sorted list, less any --validation-donor; 30 evenly spaced lesion slices each); writes
    /// every donor's name (validation donors too) to OUT/lesion-donors.txt so that
    /// evaluations leave them out.
    func lesionDonors(_ plan: LesionDonorPlan, side: Int, out: String, cache: TrainSliceCache) throws -> LesionPaste {
        let donors = try LesionPaste.donors(from: plan.pasteSamples, side: side, loader: cache.loader)
        guard !donors.isEmpty else { throw TrainingError("\(lesionPasteFolder ?? ""): no slice with a lesion in the donor volumes") }
        let list = URL(fileURLWithPath: out).appendingPathComponent("lesion-donors.txt")
        // Without the list an evaluation would count the donors as unseen: no silent failure.
        do {
            try plan.donorList.write(to: list, atomically: true, encoding: .utf8)
        } catch {
            throw TrainingError("\(list.path): cannot write the lesion donors' list: \(error.localizedDescription)")
        }
        print("lesion paste: \(donors.count) donor slices from \(plan.pasteVolumes.count) of \(plan.set.groups.count) patients "
              + "(\(list.path)), probability \(lesionPasteProbability)")
        return LesionPaste(donors: donors, probability: lesionPasteProbability)
    }
}

/// `--train-from`: the first stage a run trains (see `ResNet50.train(fromStage:)`).
enum TrainedStages: String, ExpressibleByArgument, CaseIterable {
    case stem, layer1, layer2, layer3, layer4, fc

    var stage: Int { Self.allCases.firstIndex(of: self)! }
}

extension CAMLossMap: ExpressibleByArgument {}
