import Foundation

/// Every tunable of the screening method in one place, with the published defaults.
///
/// The values here are configuration, carried into each report's `settings`; code elsewhere
/// reads them from a `ScreeningSettings` value and never repeats the numbers.
public struct ScreeningSettings: Codable, Equatable, Sendable {
    /// A slice is positive when P(abnormal) ≥ this value (method step 3).
    public var positiveThreshold: Float
    /// Case decisions: positive when the positive ratio ≥ an operating point's ratio.
    public var operatingPoints: [OperatingPoint]
    /// Fused Grad-CAM values above this count towards the Corona score (method step 6).
    public var coronaThreshold: Float
    /// Lung window in HU mapped linearly to [0, 1] (method step 3).
    public var windowLowHU: Float
    public var windowHighHU: Float
    /// Side of the square network input.
    public var inputSize: Int
    /// Normalisation per channel (R, G, B): ImageNet's by default; a model may say otherwise
    /// in its metadata (`InputPreparation`).
    public var channelMean: [Float]
    public var channelStd: [Float]
    /// Slices per classifier forward pass.
    public var batchSize: Int
    /// In-plane orientation of the network's input planes (`InputPreparation`); nil: as
    /// acquired (optional so that reports and payloads written before it still read).
    public var inputOrientation: PlaneOrientation?

    public init(positiveThreshold: Float = 0.5,
                operatingPoints: [OperatingPoint] = OperatingPoint.paperDefaults,
                coronaThreshold: Float = 0.6,
                windowLowHU: Float = -1000, windowHighHU: Float = 0,
                inputSize: Int = 224,
                channelMean: [Float] = [0.485, 0.456, 0.406],
                channelStd: [Float] = [0.229, 0.224, 0.225],
                batchSize: Int = 8,
                inputOrientation: PlaneOrientation? = nil) {
        self.positiveThreshold = positiveThreshold
        self.operatingPoints = operatingPoints
        self.coronaThreshold = coronaThreshold
        self.windowLowHU = windowLowHU
        self.windowHighHU = windowHighHU
        self.inputSize = inputSize
        self.channelMean = channelMean
        self.channelStd = channelStd
        self.batchSize = batchSize
        self.inputOrientation = inputOrientation
    }

    /// The defaults of the method (Gozes et al. 2020).
    public static let standard = ScreeningSettings()

    /// Throws when a value cannot work (threshold out of range, empty window, bad batch).
    public func validate() throws {
        func fail(_ reason: String) -> ScreeningError { .invalidSettings(reason) }
        guard positiveThreshold >= 0, positiveThreshold <= 1 else {
            throw fail("slice threshold \(positiveThreshold) is outside [0, 1]")
        }
        guard windowHighHU > windowLowHU else {
            throw fail("window [\(windowLowHU), \(windowHighHU)] HU is empty")
        }
        guard inputSize > 0, batchSize > 0 else {
            throw fail("input size and batch size must be positive")
        }
        guard channelMean.count == 3, channelStd.count == 3, channelStd.allSatisfy({ $0 > 0 }) else {
            throw fail("channel mean/std must have 3 values, std > 0")
        }
        for point in operatingPoints where !(point.positiveRatio >= 0 && point.positiveRatio <= 1) {
            throw fail("operating point \(point.name) ratio \(point.positiveRatio) is outside [0, 1]")
        }
    }
}

/// A case-level operating point: decide "COVID-19 suspected" when the positive ratio
/// (positive slices / lung slices) is at least `positiveRatio`.
public struct OperatingPoint: Codable, Equatable, Sendable {
    public var name: String
    /// A fraction in [0, 1] (1.1 % is 0.011).
    public var positiveRatio: Double

    public init(name: String, positiveRatio: Double) {
        self.name = name
        self.positiveRatio = positiveRatio
    }

    /// Seed paper 001: 1.1 % → 98.2 % sensitivity / 92.2 % specificity (high sensitivity);
    /// 1.9 % → 96.4 % / 98 % (high specificity).
    public static let highSensitivity = OperatingPoint(name: "high-sensitivity", positiveRatio: 0.011)
    public static let highSpecificity = OperatingPoint(name: "high-specificity", positiveRatio: 0.019)
    public static let paperDefaults = [highSensitivity, highSpecificity]

    /// Parses `NAME=PERCENT%`, `PERCENT%` or a fraction (`0.011`); a bare name gets `ratio-…`.
    public static func parse(_ text: String) throws -> OperatingPoint {
        var name: String?
        var value = Substring(text)
        if let eq = text.firstIndex(of: "=") {
            name = String(text[..<eq])
            value = text[text.index(after: eq)...]
        }
        let isPercent = value.hasSuffix("%")
        if isPercent { value = value.dropLast() }
        guard let number = Double(value.trimmingCharacters(in: .whitespaces)), number.isFinite else {
            throw ScreeningError.invalidSettings("operating point '\(text)' is not NAME=PERCENT% or a fraction")
        }
        let ratio = isPercent ? number / 100 : number
        guard ratio >= 0, ratio <= 1 else {
            throw ScreeningError.invalidSettings("operating point '\(text)' is outside 0…100 %")
        }
        return OperatingPoint(name: name ?? "ratio-\(text)", positiveRatio: ratio)
    }
}
