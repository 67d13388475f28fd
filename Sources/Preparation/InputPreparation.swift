/// How a model wants its slices prepared (method step 3), carried in its safetensors metadata
/// so that a model trained on another window, scaling or in-plane orientation gets slices
/// prepared its way. Files without these keys get the method's default (lung window
/// [−1000, 0] HU, ImageNet mean/std, slices as DICOM shows them).
///
/// Metadata keys (values are text, as safetensors metadata must be):
/// - `ctscreen.input.window_hu`: "LOW,HIGH"
/// - `ctscreen.input.channel_mean`, `ctscreen.input.channel_std`: "R,G,B"
/// - `ctscreen.input.orientation`: a `PlaneOrientation` name
public struct InputPreparation: Codable, Equatable, Sendable {
    public var windowLowHU: Float
    public var windowHighHU: Float
    public var channelMean: [Float]
    public var channelStd: [Float]
    public var orientation: PlaneOrientation

    public static let windowKey = "ctscreen.input.window_hu"
    public static let meanKey = "ctscreen.input.channel_mean"
    public static let stdKey = "ctscreen.input.channel_std"
    public static let orientationKey = "ctscreen.input.orientation"

    /// The method's default preparation.
    public static let standard = InputPreparation(settings: .standard)

    public init(windowLowHU: Float, windowHighHU: Float, channelMean: [Float], channelStd: [Float],
                orientation: PlaneOrientation) {
        self.windowLowHU = windowLowHU
        self.windowHighHU = windowHighHU
        self.channelMean = channelMean
        self.channelStd = channelStd
        self.orientation = orientation
    }

    /// The preparation a settings value describes.
    public init(settings: ScreeningSettings) {
        self.init(windowLowHU: settings.windowLowHU, windowHighHU: settings.windowHighHU,
                  channelMean: settings.channelMean, channelStd: settings.channelStd,
                  orientation: settings.inputOrientation ?? .asAcquired)
    }

    /// Reads the keys above; a missing key keeps its value in `defaults`, a malformed one is an
    /// error naming `source` (a model must never run on slices prepared another way than it says).
    public init(metadata: [String: String], defaults: InputPreparation = .standard, source: String) throws {
        var p = defaults
        func numbers(_ key: String, count: Int) throws -> [Float]? {
            guard let text = metadata[key] else { return nil }
            let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == count, values.allSatisfy({ $0 != nil && $0!.isFinite }) else {
                throw ScreeningError.classifier("\(source): metadata \(key) = '\(text)' is not \(count) numbers")
            }
            return values.map { $0! }
        }
        if let w = try numbers(Self.windowKey, count: 2) { (p.windowLowHU, p.windowHighHU) = (w[0], w[1]) }
        if let m = try numbers(Self.meanKey, count: 3) { p.channelMean = m }
        if let s = try numbers(Self.stdKey, count: 3) { p.channelStd = s }
        if let o = metadata[Self.orientationKey] {
            guard let orientation = PlaneOrientation(rawValue: o) else {
                throw ScreeningError.classifier("\(source): metadata \(Self.orientationKey) = '\(o)' is not one of "
                    + PlaneOrientation.allCases.map(\.rawValue).joined(separator: ", "))
            }
            p.orientation = orientation
        }
        guard p.windowHighHU > p.windowLowHU, p.channelStd.allSatisfy({ $0 > 0 }) else {
            throw ScreeningError.classifier("\(source): metadata gives an empty window or a channel std ≤ 0")
        }
        self = p
    }

    /// The metadata keys that describe this preparation (written with trained weights).
    public var metadata: [String: String] {
        func list(_ v: [Float]) -> String { v.map { String($0) }.joined(separator: ",") }
        return [Self.windowKey: list([windowLowHU, windowHighHU]), Self.meanKey: list(channelMean),
                Self.stdKey: list(channelStd), Self.orientationKey: orientation.rawValue]
    }

    /// One line for logs: "window [−1000, 200] HU, mean …, std …, as-acquired".
    public var summary: String {
        "window [\(windowLowHU), \(windowHighHU)] HU, mean \(channelMean), std \(channelStd), \(orientation.rawValue)"
    }

    /// `settings` with this preparation.
    public func applied(to settings: ScreeningSettings) -> ScreeningSettings {
        var s = settings
        s.windowLowHU = windowLowHU
        s.windowHighHU = windowHighHU
        s.channelMean = channelMean
        s.channelStd = channelStd
        s.inputOrientation = orientation == .asAcquired ? nil : orientation
        return s
    }
}

/// One of the eight ways a square image can lie (the dihedral group): the in-plane
/// orientation a model's input planes have relative to the slice as DICOM shows it (rows
/// towards the patient's back, columns towards the patient's left). A network trained on
/// volumes in another axis order (e.g. RAS arrays) sees its planes transposed or flipped.
public enum PlaneOrientation: String, Codable, CaseIterable, Sendable {
    case asAcquired = "as-acquired"
    case rotated90 = "rotated-90"      // a quarter turn clockwise
    case rotated180 = "rotated-180"
    case rotated270 = "rotated-270"
    case flippedRows = "flipped-rows"  // upside down (rows reversed)
    case flippedColumns = "flipped-columns"  // mirrored (columns reversed)
    case transposed                    // rows and columns swapped
    case antiTransposed = "anti-transposed"  // swapped across the other diagonal

    /// The source pixel (row, column) that lands at (r, c) of a side×side output.
    @inline(__always)
    func source(_ r: Int, _ c: Int, side n: Int) -> (Int, Int) {
        switch self {
        case .asAcquired: return (r, c)
        case .rotated90: return (n - 1 - c, r)
        case .rotated180: return (n - 1 - r, n - 1 - c)
        case .rotated270: return (c, n - 1 - r)
        case .flippedRows: return (n - 1 - r, c)
        case .flippedColumns: return (r, n - 1 - c)
        case .transposed: return (c, r)
        case .antiTransposed: return (n - 1 - c, n - 1 - r)
        }
    }

    /// The orientation that undoes this one.
    public var inverse: PlaneOrientation {
        switch self {
        case .rotated90: return .rotated270
        case .rotated270: return .rotated90
        default: return self  // every other element is its own inverse
        }
    }

    /// A side×side row-major image turned this way.
    public func apply(_ pixels: [Float], side n: Int) -> [Float] {
        precondition(pixels.count == n * n, "a \(n)×\(n) image")
        if self == .asAcquired { return pixels }
        var out = [Float](repeating: 0, count: n * n)
        for r in 0..<n {
            for c in 0..<n {
                let (sr, sc) = source(r, c, side: n)
                out[r * n + c] = pixels[sr * n + sc]
            }
        }
        return out
    }
}
