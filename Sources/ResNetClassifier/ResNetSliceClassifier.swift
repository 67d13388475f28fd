import DefaultModel
import Foundation
import Models
import NeuralEngine
import Preparation
import Screening

/// `SliceClassifier` over the Models ResNet-50 (torchvision layout, single logit) and its
/// multi-scale Grad-CAM.
///
/// One forward pass over the batch; the network then runs Grad-CAM's backward pass only for
/// the slices with P ≥ threshold (`gradCAMThreshold`, decided after the forward pass).
/// Not thread-safe (one ResNet50 workspace): use one instance per thread.
public final class ResNetSliceClassifier: SliceClassifier {
    public let network: ResNet50
    public let inputSide: Int
    public let modelSHA256: String
    public let modelDescription: String
    public let preparation: InputPreparation

    /// Loads and checks the weights; errors name the file and the tensor that does not fit.
    /// With `expectedSHA256`, a file with another digest is refused before it is parsed.
    public init(weightsPath: String, inputSide: Int = 224, expectedSHA256: String? = nil) throws {
        guard FileManager.default.isReadableFile(atPath: weightsPath) else {
            throw ScreeningError.classifier("weights \(weightsPath): file not found or not readable")
        }
        modelSHA256 = try Self.digest(ofFile: weightsPath, expected: expectedSHA256)
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(path: weightsPath)
            network = try ResNet50(weights: file, foldedForInference: true)
        } catch {
            throw ScreeningError.classifier("weights \(weightsPath) do not fit a single-logit ResNet-50: \(error)")
        }
        preparation = try InputPreparation(metadata: file.metadata, source: "weights \(weightsPath)")
        self.inputSide = inputSide
        let blocks = network.layers.map(\.count)
        let depth = blocks == ResNet50.blockCounts ? "ResNet-50" : "ResNet (blocks \(blocks))"
        modelDescription = "\(depth) v1.5, base width \(network.stem.outChannels), \(network.featureCount) features, "
            + "multi-scale Grad-CAM (layer2 × layer3) — \(URL(fileURLWithPath: weightsPath).lastPathComponent)"
    }

    /// The model shipped with CTScreen (module DefaultModel), checked against its SHA-256.
    public static func shipped(executableFolder: URL = Bundle.main.bundleURL) throws -> ResNetSliceClassifier {
        try ResNetSliceClassifier(weightsPath: shippedPath(executableFolder: executableFolder),
                                  expectedSHA256: DefaultModel.sha256)
    }

    /// Where the shipped model is installed; the error names the places looked at.
    public static func shippedPath(executableFolder: URL = Bundle.main.bundleURL) throws -> String {
        guard let path = DefaultModel.locate(executableFolder: executableFolder) else {
            throw ScreeningError.classifier("the default model \(DefaultModel.fileName) is not installed (looked for "
                + DefaultModel.candidatePaths(executableFolder: executableFolder).joined(separator: " and ")
                + "); pass --weights FILE or set CTSCREEN_WEIGHTS")
        }
        return path
    }

    /// The file's SHA-256; with `expected`, a file with another digest is refused.
    public static func digest(ofFile path: String, expected: String?) throws -> String {
        let digest = try SHA256.hexDigest(ofFile: path)
        if let expected, expected != digest {
            throw ScreeningError.classifier("weights \(path): SHA-256 \(digest) is not the expected \(expected); "
                                            + "the file is damaged or was replaced (reinstall CTScreen, or pass --weights FILE)")
        }
        return digest
    }

    public func classify(input: [Float], count: Int, positiveThreshold: Float) throws -> [SliceOutput] {
        let side = inputSide, plane = 3 * side * side
        guard count > 0, input.count == count * plane else {
            throw ScreeningError.classifier("input has \(input.count) values, expected \(count)×3×\(side)²")
        }
        let results = try network.classify(Tensor(shape: [count, 3, side, side], data: input),
                                           gradCAMThreshold: positiveThreshold)
        guard results.count == count else {
            throw ScreeningError.classifier("the network returned \(results.count) results for \(count) slices")
        }
        var outputs: [SliceOutput] = []
        outputs.reserveCapacity(count)
        let gradient = network.pooledFeatureGradient
        for r in results {
            let positive = r.probability >= positiveThreshold
            guard !positive || r.gradCAM != nil else {
                throw ScreeningError.classifier("Grad-CAM missing for a positive slice")
            }
            // The paper's gradient-weighted features (clustering): pooled ⊙ ∂logit/∂pooled.
            outputs.append(SliceOutput(logit: r.logit, probability: r.probability, features: zip(r.pooled, gradient).map(*),
                                       fusedMap: positive ? r.gradCAM?.fused : nil))
        }
        return outputs
    }
}
