import CTScreenTestSupport
import Foundation
import Models
import NeuralEngine
import Phantom
import Preparation
import Volumes
import XCTest
@testable import LungModel

/// The U-Net behind `LungSegmenting`: the input it builds, the logits mapped back onto the
/// slices, and the 3D post-processing, with the width-8 fixture network whose head bias is
/// set so that its answer is known (everything lung, or nothing).
final class UNetLungSegmenterTests: XCTestCase {
    private let weights = SharedFolder.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/unet16/unet16-w8.safetensors")

    private func segmenter(headBias: Float?, metadata: [String: String] = [:]) throws -> UNetLungSegmenter {
        let file = try SafetensorsFile(path: weights.path)
        let net = try UNet16(source: "w", tensor: { name in
            if name == "final.bias", let headBias { return Tensor(shape: [1], data: [headBias]) }
            return try file.tensor(name)
        })
        return try UNetLungSegmenter(network: net, metadata: metadata, source: "w", studyID: "phantom-7")
    }

    /// Window [−1024, 600] HU and ImageNet mean/std by default; 3 channels of size².
    func testInputIsTheWindowedSliceNormalisedPerChannel() throws {
        let s = try segmenter(headBias: nil, metadata: [UNetLungSegmenter.inputSizeKey: "32"])
        XCTAssertEqual(s.inputSize, 32)
        let size = VolumeSize(columns: 64, rows: 64, slices: 1)
        let volume = Volume(size: size, geometry: Geometry(spacing: [1, 1, 1], origin: [0, 0, 0]),
                            metadata: StudyMetadata(), voxels: [Int16](repeating: -212, count: size.count))
        let input = s.input(volume, slice: 0)
        XCTAssertEqual(input.count, 3 * 32 * 32)
        // −212 HU → (−212 + 1024) / 1624 = 0.5; channel 0: (0.5 − 0.485) / 0.229.
        XCTAssertEqual(input[0], (0.5 - 0.485) / 0.229, accuracy: 1e-5)
        XCTAssertEqual(input[2 * 1024], (0.5 - 0.406) / 0.225, accuracy: 1e-5)
        XCTAssertThrowsError(try segmenter(headBias: nil, metadata: [UNetLungSegmenter.inputSizeKey: "100"]))
    }

    /// A head that says "lung" everywhere gives one component, the whole volume; one that
    /// says "not lung" everywhere is the "no lung slices" error naming the study.
    func testPostProcessingAndErrors() throws {
        let phantom = PhantomGenerator.make(.small(seed: 3))
        var all = try segmenter(headBias: 1000, metadata: [UNetLungSegmenter.inputSizeKey: "64"])
        all.batchSize = 16
        let region = try all.segment(phantom.volume)
        XCTAssertEqual(region.size, phantom.volume.size)
        XCTAssertEqual(region.lungSlices.count, phantom.volume.size.slices)
        XCTAssertEqual(region.mask.reduce(0) { $0 + Int($1) }, phantom.volume.size.count)
        let none = try segmenter(headBias: -1000, metadata: [UNetLungSegmenter.inputSizeKey: "64"])
        XCTAssertThrowsError(try none.segment(phantom.volume)) { error in
            XCTAssertTrue("\(error)".contains("phantom-7"), "\(error)")
        }
    }
}
