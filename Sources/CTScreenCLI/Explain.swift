import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralEngine
import Preparation
import Screening
import Volumes

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs one slice through the classifier and writes its logit, probability, Grad-CAM maps and pooled features.")

    @Argument(help: "A safetensors file (*.safetensors) holding tensor 'input' [1,3,224,224], already normalised; or a single DICOM CT slice (windowed, resized and normalised here, without the lung crop).")
    var input: String

    @OptionGroup var model: ModelOptions

    @Option(help: "Output safetensors file: logit, prob, cam28, cam14, cam28_up, cam14_up, fused, pooled.")
    var out: String

    @OptionGroup var engine: EngineOptions

    func run() throws {
        setBLASThreads(engine.threads)
        let weights = try model.checkedPath()
        let file = try SafetensorsFile(path: weights)
        let network = try ResNet50(weights: file, foldedForInference: true)
        let preparation = try InputPreparation(metadata: file.metadata, source: weights)
        let tensors = try network.explain(Self.loadInput(input, settings: preparation.applied(to: .standard)))
        try SafetensorsWriter.write(tensors, to: out)
        print("logit \(tensors["logit"]!.data[0]) prob \(tensors["prob"]!.data[0]) → \(out)")
    }

    /// The normalised [1, 3, 224, 224] input: read from safetensors, or prepared from a DICOM
    /// slice by the pipeline's own preparation (whole slice as the crop).
    static func loadInput(_ path: String, settings: ScreeningSettings = .standard) throws -> Tensor {
        if path.lowercased().hasSuffix(".safetensors") {
            return try SafetensorsFile(path: path).tensor("input", shape: [1, 3, 224, 224])
        }
        let volume = try DICOMFile.readVolume(at: URL(fileURLWithPath: path))
        let whole = PixelRect(row: 0, column: 0, rows: volume.size.rows, columns: volume.size.columns)
        let slice = try SlicePreparation.prepare(volume: volume, sliceIndex: 0, crop: whole, settings: settings)
        let side = settings.inputSize
        return Tensor(shape: [1, 3, side, side], data: try SlicePreparation.normalisedBatch([slice], settings: settings))
    }
}
