import ArgumentParser
import DefaultModel
import Foundation
import LungModel
import Preparation
import ResNetClassifier
import Screening

/// The model a command runs: one declaration for every command that loads one (`analyze`,
/// `predict`, `explain`, `benchmark-engine`, `worker`, `coordinator`).
struct ModelOptions: ParsableArguments {
    @Option(help: "ResNet-50 weights (safetensors, torchvision names, single logit). Default: $CTSCREEN_WEIGHTS, else the model shipped with CTScreen (SHA-256 checked). The coordinator reads only how the model wants slices prepared.")
    var weights: String?

    /// The weights file to load: --weights, else $CTSCREEN_WEIGHTS, else the shipped model
    /// after its SHA-256 was checked (for commands that load the network themselves).
    func checkedPath() throws -> String {
        if let path = AnalyzeComponents.givenWeights(weights) { return path }
        let path = try ResNetSliceClassifier.shippedPath()
        _ = try ResNetSliceClassifier.digest(ofFile: path, expected: DefaultModel.sha256)
        return path
    }
}

/// Threads of the neural engine for the commands that run a model in one process (`analyze`,
/// `predict`, `train`, `explain`, `benchmark-engine`); the cluster's roles, one process of
/// many per machine, take theirs from `RoleOptions`.
struct EngineOptions: ParsableArguments {
    @Option(help: "Threads for the neural engine (default: all cores). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }
}

/// What decides a slice and a case, and how slices are batched: the same options, defaults
/// and checks for `analyze` and the cluster's coordinator (whose settings travel with the
/// study to workers and reducers), so a study is screened alike either way.
struct ScreeningOptions: ParsableArguments {
    @Option(help: "A slice is positive when P(abnormal) ≥ this value.")
    var threshold: Float = ScreeningSettings.standard.positiveThreshold

    @Option(name: .customLong("operating-point"),
            help: "Case operating point NAME=PERCENT% (repeatable; replaces the defaults high-sensitivity=1.1% and high-specificity=1.9%).")
    var operatingPoints: [String] = []

    @Option(help: "Slices per forward pass (one batch on the cluster).")
    var batchSize: Int = ScreeningSettings.standard.batchSize

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard threshold >= 0, threshold <= 1 else { throw ValidationError("--threshold must be in [0, 1]") }
        for point in operatingPoints {
            do { _ = try OperatingPoint.parse(point) } catch { throw ValidationError("\(error)") }
        }
    }

    /// `settings` with this threshold, batch size and (if given) operating points.
    func applied(to settings: ScreeningSettings) throws -> ScreeningSettings {
        var s = settings
        s.positiveThreshold = threshold
        s.batchSize = batchSize
        if !operatingPoints.isEmpty { s.operatingPoints = try operatingPoints.map(OperatingPoint.parse) }
        return s
    }
}

/// Which lung segmentation `analyze` and the coordinator run: the classical method, or the
/// U-Net given by `--lung-model` (loaded once per process, shared by every study).
struct LungModelOptions: ParsableArguments {
    @Option(help: "U-Net lung segmentation weights (safetensors, `ctscreen train-lungseg`). Default: the classical method.")
    var lungModel: String?

    /// A segmenter factory by study id (the id names the study in "no lung slices" errors).
    func segmenters() throws -> (String) -> LungSegmenting {
        guard let lungModel else { return { ClassicalLungSegmenter(studyID: $0) } }
        guard FileManager.default.fileExists(atPath: lungModel) else {
            throw ValidationError("--lung-model \(lungModel): no such file")
        }
        let model = try UNetLungSegmenter(weightsPath: lungModel)
        return { id in
            var segmenter = model
            segmenter.studyID = id
            return segmenter
        }
    }
}
