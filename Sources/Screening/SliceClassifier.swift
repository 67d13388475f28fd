import Imaging
import Preparation
/// The slice classifier and its Grad-CAM (method steps 3–4) as the screening stages see it.
///
/// One call = one forward pass over the batch; Grad-CAM (multi-scale, fused
/// cam14_up × cam28_up, 224×224, not re-normalised) runs only for the slices whose
/// probability is ≥ `positiveThreshold`.
public protocol SliceClassifier {
    /// Side of the square input (224).
    var inputSide: Int { get }
    /// SHA-256 (hex) of the weights, recorded in every report.
    var modelSHA256: String { get }
    /// A short human-readable description of the model (architecture, width).
    var modelDescription: String { get }
    /// How the model wants its slices prepared (window, scaling, orientation).
    var preparation: InputPreparation { get }
    /// `input` is [count, 3, side, side], already normalised. Returns `count` outputs in order.
    func classify(input: [Float], count: Int, positiveThreshold: Float) throws -> [SliceOutput]
}

extension SliceClassifier {
    /// Models that say nothing get the method's default preparation.
    public var preparation: InputPreparation { .standard }
}

/// What the classifier says about one slice of a batch.
public struct SliceOutput: Codable, Equatable, Sendable {
    public var logit: Float
    public var probability: Float
    /// Features for clustering: the global-average-pooled layer4 features (2048 for the
    /// full-width network), each multiplied by the logit's gradient with respect to it (the
    /// paper's gradient-weighted features); empty when the classifier has none.
    public var features: [Float]
    /// The fused Grad-CAM map, `side * side` values, row-major; nil for negative slices.
    public var fusedMap: [Float]?

    public init(logit: Float, probability: Float, features: [Float], fusedMap: [Float]?) {
        self.logit = logit
        self.probability = probability
        self.features = features
        self.fusedMap = fusedMap
    }
}

/// The classifier's result for one slice of the study, tied to its slice and crop. This is
/// what a worker writes back and what the reducer consumes (Codable).
public struct SliceResult: Codable, Equatable, Sendable {
    public var sliceIndex: Int
    public var crop: PixelRect
    public var logit: Float
    public var probability: Float
    public var isPositive: Bool
    public var features: [Float]
    /// Fused 224×224 map for positive slices (see `SliceOutput.fusedMap`).
    public var fusedMap: [Float]?
    /// Side of `fusedMap`.
    public var mapSide: Int

    public init(slice: PreparedSlice, output: SliceOutput, positiveThreshold: Float) {
        self.sliceIndex = slice.sliceIndex
        self.crop = slice.crop
        self.logit = output.logit
        self.probability = output.probability
        self.isPositive = output.probability >= positiveThreshold
        self.features = output.features
        self.fusedMap = isPositive ? output.fusedMap : nil
        self.mapSide = slice.side
    }
}
