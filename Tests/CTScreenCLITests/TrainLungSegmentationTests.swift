import ArgumentParser
import Foundation
import NeuralEngine
import XCTest
@testable import CTScreenCLI

/// `train-lungseg` end to end at a tiny width: it writes the best weights with the metadata a
/// segmenter needs, logs the validation Dice, and continues from its own output.
final class TrainLungSegmentationTests: XCTestCase {
    func testTrainsWritesItsPreparationAndContinues() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-lungseg-train-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let tiny = ["--phantoms", "1", "--validation-phantoms", "1", "--encoder-width", "4", "--decoder-width", "2",
                    "--size", "64", "--every", "8", "--epochs", "1", "--threads", "1"]
        try TrainLungSegmentation.parse(["--out", out.appendingPathComponent("a").path] + tiny).run()
        let model = out.appendingPathComponent("a/model.safetensors")
        let file = try SafetensorsFile(path: model.path)
        XCTAssertEqual(file.metadata["ctscreen.lungseg.input_size"], "64")
        XCTAssertEqual(file.metadata["ctscreen.input.window_hu"], "-1024.0,600.0")
        XCTAssertEqual(file.entries["encoder.0.weight"]?.shape, [4, 3, 3, 3])
        let log = try String(contentsOf: out.appendingPathComponent("a/log.txt"), encoding: .utf8)
        XCTAssertTrue(log.contains("epoch 1: loss"), log)
        XCTAssertTrue(log.contains("validation Dice"), log)
        // Continuing from it: same widths, its preparation kept; another size is refused.
        try TrainLungSegmentation.parse(["--out", out.appendingPathComponent("b").path, "--init-model", model.path] + tiny).run()
        let again = try String(contentsOf: out.appendingPathComponent("b/log.txt"), encoding: .utf8)
        XCTAssertTrue(again.contains("all weights from \(model.path)"), again)
        var other = tiny
        other[other.firstIndex(of: "64")!] = "96"
        XCTAssertThrowsError(try TrainLungSegmentation.parse(["--out", out.appendingPathComponent("c").path, "--init-model", model.path] + other).run()) { error in
            XCTAssertTrue("\(error)".contains("was trained at 64², not --size 96"), "\(error)")
        }
        XCTAssertThrowsError(try TrainLungSegmentation.parseAsRoot(["--out", "x", "--phantoms", "0"])) { error in
            XCTAssertTrue(TrainLungSegmentation.message(for: error).contains("no training data"), "\(error)")
        }
        XCTAssertThrowsError(try TrainLungSegmentation.parseAsRoot(["--out", "x", "--init-model", "a", "--init-encoder", "b"])) { error in
            XCTAssertTrue(TrainLungSegmentation.message(for: error).contains("exclude each other"), "\(error)")
        }
    }
}
