import Segmentation
import Volumes

extension LungRegion {
    /// The Segmentation module's lung mask as the screening stages see it: same per-voxel mask
    /// and lung slices; the case ROI is its bounding box.
    public init(lungMask: LungMask) throws {
        guard let box = lungMask.boundingBox, !lungMask.lungSlices.isEmpty else {
            throw ScreeningError.inconsistentInput("the lung mask has no lung slices")
        }
        try self.init(size: lungMask.mask.size, mask: lungMask.mask.voxels, lungSlices: lungMask.lungSlices,
                      roi: box)
    }
}

/// The classical 3D lung segmentation (Segmentation's `LungSegmenter`) behind `LungSegmenting`.
public struct ClassicalLungSegmenter: LungSegmenting {
    public var segmenter: LungSegmenter
    /// Name used in the "no lung slices" error.
    public var studyID: String

    public init(settings: LungSegmentationSettings = LungSegmentationSettings(), studyID: String = "study") {
        self.segmenter = LungSegmenter(settings: settings)
        self.studyID = studyID
    }

    public func segment(_ volume: Volume) throws -> LungRegion {
        let mask: LungMask
        do {
            mask = try segmenter.segment(volume)
        } catch let error as SegmentationError {
            // The segmenter can only name the study from its DICOM header (empty for NIfTI
            // inputs); the caller's study id is what the user submitted.
            throw SegmentationError(study: studyID, reason: error.reason)
        }
        guard !mask.lungSlices.isEmpty else { throw ScreeningError.noLungSlices(study: studyID) }
        return try LungRegion(lungMask: mask)
    }
}
