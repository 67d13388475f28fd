import ArgumentParser
import CTScreenTestSupport
import Foundation
import Screening
import XCTest
@testable import CTScreenCLI

/// `evaluate-lungseg` measures each method against the references: on a synthetic chest the
/// classical method finds the true lungs (Dice ≥ 0.97) and keeps the lesions in them; a U-Net given is measured beside it
/// (here the random width-8 fixture, so only its row and picture are checked).
final class EvaluateLungSegmentationTests: XCTestCase {
    func testClassicalAndUNetRowsAndPictures() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-lungseg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let weights = SharedFolder.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/unet16/unet16-w8.safetensors")
        try EvaluateLungSegmentation.parse(["--phantoms", "1", "--lung-model", weights.path, "--out", out.path, "--threads", "1"]).run()
        let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("evaluation.json"))) as? [[String: Any]]
        let r = try XCTUnwrap(rows)
        XCTAssertEqual(r.map { $0["method"] as? String }, ["classical", "U-Net"])
        XCTAssertGreaterThanOrEqual(r[0]["dice"] as? Double ?? 0, 0.97)
        // The phantom's lesions lie inside its lungs, which the classical method fills.
        XCTAssertEqual(r[0]["opacityKept"] as? Double ?? 0, 1, accuracy: 0.02)
        let unetKept = try XCTUnwrap(r[1]["opacityKept"] as? Double)
        XCTAssertTrue((0...1).contains(unetKept))
        let picture = try PNGFile.read(out.appendingPathComponent("phantom-2001.png").path)
        XCTAssertEqual(picture.width, 4 + 2 * (256 + 4), "two panels side by side")
        let lesions = try PNGFile.read(out.appendingPathComponent("phantom-2001-opacities.png").path)
        XCTAssertEqual(lesions.width, picture.width)
    }
}
