import Foundation
import Imaging
import Preparation
import Screening
import Volumes
import XCTest
@testable import Cluster

/// `analyze`'s in-process runner (coordinator → worker → reducer over the in-memory queue)
/// gives the report of the one-process chain of stages (`StudyAnalyzer`) on the same input.
final class LocalRunnerTests: XCTestCase {
    func testRunnerReportEqualsTheStudyAnalyzerReport() throws {
        let size = VolumeSize(columns: 32, rows: 32, slices: 7)
        var voxels = [Int16](repeating: 40, count: size.count)
        var mask = [UInt8](repeating: 0, count: size.count)
        for k in 1...5 {
            for r in 6..<26 {
                for c in 4..<28 {
                    let i = (k * 32 + r) * 32 + c
                    mask[i] = 1
                    voxels[i] = Int16(-900 + 120 * k + 3 * r - 2 * c)  // brighter lung on later slices
                }
            }
        }
        let volume = Volume(size: size, geometry: Geometry(spacing: [0.8, 0.8, 2.5], origin: [0, 0, 0]),
                            metadata: StudyMetadata(patientID: "P-1"), voxels: voxels)
        let region = try LungRegion(size: size, mask: mask, lungSlices: Array(1...5),
                                    roi: PixelRect(row: 6, column: 4, rows: 20, columns: 24))
        var settings = ScreeningSettings.standard
        settings.batchSize = 2
        let pipeline = try Pipeline(settings: settings, software: SoftwareInfo(version: "t"))
        // P = mean windowed pixel (slices 4 and 5 are positive); map = the pixels themselves.
        let classifier = RuleClassifier(settings: settings) { pixels in
            let mean = pixels.reduce(0, +) / Float(pixels.count)
            return (min(max(mean, 0.01), 0.99), pixels)
        }
        let folderA = FileManager.default.temporaryDirectory.appendingPathComponent("runner-a-\(UUID().uuidString)")
        let folderB = FileManager.default.temporaryDirectory.appendingPathComponent("runner-b-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folderA); try? FileManager.default.removeItem(at: folderB) }

        var clock = StageClock()
        let expected = try StudyAnalyzer(pipeline: pipeline, segmenter: FixedLungSegmenter(region: region), classifier: classifier,
                                         volumeWriter: nil).analyze(volume: volume, studyID: "study one", source: "/in",
                                                                    outputFolder: folderA, clock: &clock).report
        var progress: [Int] = []
        let got = try LocalRunner(pipeline: pipeline, classifier: classifier, segmenter: FixedLungSegmenter(region: region),
                                  volumeWriter: nil)
            .run(volume: volume, studyName: "study one", source: "/in", outputFolder: folderB) { done, _ in progress.append(done) }

        // The runner's slices and maps travel through the queue in 16-bit fixed point (Redis
        // memory, BinaryPayload): scores agree to that precision, decisions exactly.
        XCTAssertFalse(expected.positiveSlices.isEmpty, "the rule should make some slices positive")
        XCTAssertEqual(got.positiveSlices, expected.positiveSlices)
        XCTAssertEqual(got.positiveRatio, expected.positiveRatio)
        XCTAssertEqual(got.coronaScore, expected.coronaScore, accuracy: 0.01 * expected.coronaScore)
        XCTAssertEqual(got.slices.map(\.index), expected.slices.map(\.index))
        XCTAssertEqual(got.slices.map(\.positive), expected.slices.map(\.positive))
        for (a, b) in zip(got.slices, expected.slices) {
            XCTAssertEqual(a.probability, b.probability, accuracy: 1e-4)
            XCTAssertEqual(a.coronaScore ?? -1, b.coronaScore ?? -1, accuracy: 0.01)
        }
        XCTAssertEqual(got.decisions, expected.decisions)
        XCTAssertEqual(got.study, expected.study)
        XCTAssertEqual(got.outputs, expected.outputs)
        XCTAssertEqual(got.timings.map(\.stage), expected.timings.map(\.stage))
        XCTAssertEqual(progress, [2, 4, 5])  // three batches of at most 2 slices
        XCTAssertTrue(FileManager.default.fileExists(atPath: folderB.appendingPathComponent("report.json").path))
    }
}
