/// Every failure the evaluation reports. Messages name the input (file or data set) and the reason.
public enum EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The scores and labels cannot be evaluated (empty class, counts differ, NaN score).
    case invalidData(source: String, reason: String)
    /// A table file could not be read or parsed.
    case unreadableTable(path: String, reason: String)
    /// A setting is out of range (confidence level, bootstrap replicates, …).
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .invalidData(let source, let reason): return "\(source): \(reason)"
        case .unreadableTable(let path, let reason): return "cannot read \(path): \(reason)"
        case .invalidSetting(let reason): return "invalid setting: \(reason)"
        }
    }
}
