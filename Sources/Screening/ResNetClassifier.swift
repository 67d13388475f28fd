import Foundation
import Models
import NeuralEngine

/// `SliceClassifier` over the Models ResNet-50 (torchvision layout, single logit) and its
/// multi-scale Grad-CAM.
///
/// The Models API takes the Grad-CAM slice list up front, so positives are found with a
/// forward pass over the whole batch and then only the positive slices run again with
/// Grad-CAM (forward + backward). The extra cost is one forward per positive slice.
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
        let first = try network.classify(Tensor(shape: [count, 3, side, side], data: input))
        var outputs = first.map {
            SliceOutput(logit: $0.logit, probability: $0.probability, features: $0.pooled, fusedMap: nil)
        }
        let positives = outputs.indices.filter { outputs[$0].probability >= positiveThreshold }
        guard !positives.isEmpty else { return outputs }
        var subset = [Float]()
        subset.reserveCapacity(positives.count * plane)
        for i in positives { subset += input[(i * plane)..<((i + 1) * plane)] }
        let explained = try network.classify(Tensor(shape: [positives.count, 3, side, side], data: subset),
                                             gradCAMFor: Array(positives.indices))
        for (j, i) in positives.enumerated() {
            guard let cam = explained[j].gradCAM else {
                throw ScreeningError.classifier("Grad-CAM missing for a positive slice")
            }
            outputs[i].fusedMap = cam.fused
        }
        return outputs
    }
}
