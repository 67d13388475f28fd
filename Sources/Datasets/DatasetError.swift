/// Every failure of the datasets module. Messages name the file or data set and the reason.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An image file could not be opened or decoded.
    case unreadableImage(path: String, reason: String)
    /// A label or group table could not be read or parsed.
    case unreadableTable(path: String, reason: String)
    /// A folder, volume or sample does not hold what the data set needs.
    case invalidData(source: String, reason: String)
    /// A setting is out of range (split fractions, augmentation ranges, …).
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .unreadableImage(let path, let reason): return "cannot read image \(path): \(reason)"
        case .unreadableTable(let path, let reason): return "cannot read table \(path): \(reason)"
        case .invalidData(let source, let reason): return "\(source): \(reason)"
        case .invalidSetting(let reason): return "invalid setting: \(reason)"
        }
    }
}
