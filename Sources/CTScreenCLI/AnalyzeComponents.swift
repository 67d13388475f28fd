import Foundation
import NeuralEngine
import Screening
import Volumes

/// The real implementations `analyze` wires into Screening's stages: the study reader
/// (Volumes), the lung segmentation (Segmentation), the ResNet-50 (Models) and the NIfTI
/// writer (Volumes).
enum AnalyzeComponents {
    static func readStudy(_ path: String) throws -> Volume {
        try DICOMSeriesReader.read(URL(fileURLWithPath: path))
    }

    /// Loads the weights (`--weights`, else $CTSCREEN_WEIGHTS) and sets the engine's threads.
    static func classifier(weights: String?, threads: Int) throws -> SliceClassifier {
        guard let path = weights ?? ProcessInfo.processInfo.environment["CTSCREEN_WEIGHTS"], !path.isEmpty else {
            throw ScreeningError.classifier("no weights: pass --weights FILE or set CTSCREEN_WEIGHTS")
        }
        setBLASThreads(threads)
        return try ResNetSliceClassifier(weightsPath: path)
    }

    static func segmenter() -> LungSegmenting {
        UnavailableSegmenter()
    }

    static func volumeWriter() -> VolumeFileWriting? { nil }
}

struct UnavailableSegmenter: LungSegmenting {
    func segment(_ volume: Volume) throws -> LungRegion {
        throw ScreeningError.inconsistentInput("lung segmentation is not built into this version yet")
    }
}
