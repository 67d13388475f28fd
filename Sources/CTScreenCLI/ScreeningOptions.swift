import ArgumentParser
import Screening

/// The model a command runs: one declaration for `analyze`, `worker`, `coordinator`, `predict`.
struct ModelOptions: ParsableArguments {
    @Option(help: "ResNet-50 weights (safetensors, torchvision names, single logit). Default: $CTSCREEN_WEIGHTS, else the model shipped with CTScreen (SHA-256 checked). The coordinator reads only how the model wants slices prepared.")
    var weights: String?
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
