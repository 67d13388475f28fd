/// Every failure the screening stages report. Messages name the study or file and the reason.
public enum ScreeningError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidSettings(String)
    /// The inputs of a stage do not fit together (sizes, slice indices, map lengths).
    case inconsistentInput(String)
    /// The study has nothing to screen (no lung slices found).
    case noLungSlices(study: String)
    /// The classifier failed or returned something unusable.
    case classifier(String)
    /// Writing an output failed.
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSettings(let reason): return "invalid settings: \(reason)"
        case .inconsistentInput(let reason): return "inconsistent input: \(reason)"
        case .noLungSlices(let study): return "\(study): no lung slices found (no lung in the field of view?)"
        case .classifier(let reason): return "classifier: \(reason)"
        case .output(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
