import Foundation
import Models
import NeuralEngine

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

    /// Loads and checks the weights; errors name the file and the tensor that does not fit.
    public init(weightsPath: String, inputSide: Int = 224) throws {
        guard FileManager.default.isReadableFile(atPath: weightsPath) else {
            throw ScreeningError.classifier("weights \(weightsPath): file not found or not readable")
        }
        do {
            network = try ResNet50(path: weightsPath)
        } catch {
            throw ScreeningError.classifier("weights \(weightsPath) do not fit a single-logit ResNet-50: \(error)")
        }
        self.inputSide = inputSide
        modelSHA256 = try SHA256.hexDigest(ofFile: weightsPath)
        modelDescription = "ResNet-50 v1.5, base width \(network.stem.outChannels), \(network.featureCount) features, "
            + "multi-scale Grad-CAM (layer2 × layer3) — \(URL(fileURLWithPath: weightsPath).lastPathComponent)"
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
        for r in results {
            let positive = r.probability >= positiveThreshold
            guard !positive || r.gradCAM != nil else {
                throw ScreeningError.classifier("Grad-CAM missing for a positive slice")
            }
            outputs.append(SliceOutput(logit: r.logit, probability: r.probability, features: r.pooled,
                                       fusedMap: positive ? r.gradCAM?.fused : nil))
        }
        return outputs
    }
}
