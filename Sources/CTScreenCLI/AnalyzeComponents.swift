import Foundation
import NeuralEngine
import Preparation
import ResNetClassifier
import Screening
import Volumes

/// The real implementations `analyze` wires into Screening's stages: the study reader
/// (Volumes), the lung segmentation (Segmentation), the ResNet-50 (Models) and the NIfTI
/// writer (Volumes).
enum AnalyzeComponents {
    /// A NIfTI file (.nii, .nii.gz) or a DICOM series folder.
    static func readStudy(_ path: String) throws -> Volume {
        try StudyFile.read(path)
    }

    /// Loads the weights (`--weights`, else $CTSCREEN_WEIGHTS, else the shipped model, whose
    /// SHA-256 is checked) and sets the engine's threads.
    static func classifier(weights: String?, threads: Int) throws -> SliceClassifier {
        setBLASThreads(threads)
        if let path = givenWeights(weights) { return try ResNetSliceClassifier(weightsPath: path) }
        return try ResNetSliceClassifier.shipped()
    }

    /// --weights, else $CTSCREEN_WEIGHTS; nil when neither names a file (the shipped model).
    static func givenWeights(_ weights: String?) -> String? {
        guard let path = weights ?? ProcessInfo.processInfo.environment["CTSCREEN_WEIGHTS"], !path.isEmpty else { return nil }
        return path
    }

    /// How the model the workers run wants its slices prepared (the coordinator prepares
    /// them): read from the metadata of the same weights `classifier` would load.
    static func preparation(weights: String?) throws -> InputPreparation {
        let path = try givenWeights(weights) ?? ResNetSliceClassifier.shippedPath()
        do {
            return try InputPreparation(metadata: SafetensorsFile(path: path).metadata, source: "weights \(path)")
        } catch let error as ScreeningError {
            throw error
        } catch {
            throw ScreeningError.classifier("weights \(path): \(error)")
        }
    }

    static func volumeWriter() -> VolumeFileWriting? { NIfTIVolumeWriter() }
}
