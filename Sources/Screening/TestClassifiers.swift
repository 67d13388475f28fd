import Foundation
import Preparation

/// Deterministic stand-ins for the ResNet-50 classifier, for tests here and in the cluster
/// (the same role `NIOEmbedded` plays for NIO): they implement `SliceClassifier` without a
/// network.
///
/// `ScriptedClassifier` answers with given outputs in call order (slice order of the
/// in-process driver). `RuleClassifier` derives each answer from the slice's windowed pixels
/// (channel 0 un-normalised), so it gives the same answer for a slice whatever its batch or
/// process, as a real model does.
public final class ScriptedClassifier: SliceClassifier, @unchecked Sendable {
    public let inputSide: Int
    public let modelSHA256: String
    public let modelDescription = "scripted test classifier"
    private var pending: [SliceOutput]

    public init(outputs: [SliceOutput], inputSide: Int = 224,
                modelSHA256: String = String(repeating: "0", count: 64)) {
        self.pending = outputs
        self.inputSide = inputSide
        self.modelSHA256 = modelSHA256
    }

    public func classify(input: [Float], count: Int, positiveThreshold: Float) throws -> [SliceOutput] {
        guard pending.count >= count else {
            throw ScreeningError.classifier("scripted classifier has \(pending.count) outputs left, asked for \(count)")
        }
        let out = Array(pending.prefix(count))
        pending.removeFirst(count)
        return out.map { o in
            var o = o
            if o.probability < positiveThreshold { o.fusedMap = nil }
            return o
        }
    }
}

public struct RuleClassifier: SliceClassifier, Sendable {
    public let inputSide: Int
    public let modelSHA256: String
    public let modelDescription = "rule-based test classifier"
    public let settings: ScreeningSettings
    /// Windowed pixels (side², [0, 1]) → (probability, fused map of side² values).
    public let rule: @Sendable ([Float]) -> (Float, [Float])

    public init(settings: ScreeningSettings = .standard,
                modelSHA256: String = String(repeating: "1", count: 64),
                rule: @escaping @Sendable ([Float]) -> (Float, [Float])) {
        self.inputSide = settings.inputSize
        self.settings = settings
        self.modelSHA256 = modelSHA256
        self.rule = rule
    }

    public func classify(input: [Float], count: Int, positiveThreshold: Float) throws -> [SliceOutput] {
        let plane = inputSide * inputSide
        guard input.count == count * 3 * plane else {
            throw ScreeningError.classifier("input has \(input.count) values, expected \(count)×3×\(inputSide)²")
        }
        let mean = settings.channelMean[0], std = settings.channelStd[0]
        return (0..<count).map { n in
            let pixels = input[(n * 3 * plane)..<(n * 3 * plane + plane)].map { $0 * std + mean }
            let (p, map) = rule(pixels)
            let logit = log(p / (1 - p))
            return SliceOutput(logit: logit, probability: p, features: [p],
                               fusedMap: p >= positiveThreshold ? map : nil)
        }
    }
}
