import Foundation
import Screening
import Volumes

/// The real implementations `analyze` wires into Screening's stages: the study reader
/// (Volumes), the lung segmentation (Segmentation), the ResNet-50 (Models) and the NIfTI
/// writer (Volumes).
enum AnalyzeComponents {
    static func readStudy(_ path: String) throws -> Volume {
        try DICOMSeriesReader.read(URL(fileURLWithPath: path))
    }

    static func classifier(weights: String?, threads: Int) throws -> SliceClassifier {
        throw ScreeningError.classifier("the ResNet-50 engine is not built into this version yet")
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
