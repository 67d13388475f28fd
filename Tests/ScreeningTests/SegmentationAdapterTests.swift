import Preparation
import XCTest
import Segmentation
import Volumes

final class SegmentationAdapterTests: XCTestCase {
    /// A volume of air only (no body, no lungs) has no header identity, as a NIfTI input
    /// would: the error must carry the caller's study id, not a placeholder.
    func testSegmentationErrorNamesTheCallersStudy() {
        let size = VolumeSize(columns: 32, rows: 32, slices: 12)
        let volume = Volume(size: size, geometry: Geometry(spacing: [2, 2, 5], origin: .zero),
                            metadata: StudyMetadata(), voxels: Array(repeating: -1000, count: size.count))
        let segmenter = ClassicalLungSegmenter(studyID: "bulk-0042")
        XCTAssertThrowsError(try segmenter.segment(volume)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bulk-0042"), text)
            XCTAssertFalse(text.contains("unnamed study"), text)
        }
    }
}
