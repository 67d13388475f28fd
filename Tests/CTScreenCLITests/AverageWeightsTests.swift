import Foundation
import NeuralEngine
import XCTest

/// `ctscreen average-weights`: the element-wise mean of files of one network, checked by hand.
final class AverageWeightsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-average-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ tensors: [String: Tensor], dtype: SafetensorsWriter.DType = .f32,
               metadata: [String: String] = ["ctscreen.input.window": "-1000,200"]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try SafetensorsWriter.write(tensors, to: path, dtype: dtype, metadata: metadata)
        return path
    }

    func testMeanOfThreeFilesByHand() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let a = try write("a.safetensors", ["w": Tensor(shape: [2, 2], data: [1, 2, 3, 4]), "b": Tensor(shape: [1], data: [0.5])])
        let b = try write("b.safetensors", ["w": Tensor(shape: [2, 2], data: [3, 2, -3, 8]), "b": Tensor(shape: [1], data: [1.5])],
                          metadata: ["ctscreen.input.window": "-1000,200", "epochs": "7"])
        // F16 input: 0.25 and 6 are exact in F16.
        let c = try write("c.safetensors", ["w": Tensor(shape: [2, 2], data: [2, 0.25, 6, 0]), "b": Tensor(shape: [1], data: [-2])],
                          dtype: .f16)
        let out = dir.appendingPathComponent("mean.safetensors").path
        let (status, _, stderr) = try AnalyzeTests.run(binary, ["average-weights", out, a, b, c, "--metadata", "note=soup"])
        XCTAssertEqual(status, 0, stderr)
        let mean = try SafetensorsFile(path: out)
        XCTAssertEqual(mean.tensorNames, ["b", "w"])
        XCTAssertEqual(try mean.shape("w"), [2, 2])
        let w = try mean.tensor("w").data, bias = try mean.tensor("b").data
        for (got, want) in zip(w, [2.0, 4.25 / 3, 2.0, 4.0] as [Float]) { XCTAssertEqual(got, want, accuracy: 1e-6, "\(w)") }
        XCTAssertEqual(bias[0], 0, accuracy: 1e-6)
        // The input preparation travels; other metadata of the inputs does not; the sources are named.
        XCTAssertEqual(mean.metadata["ctscreen.input.window"], "-1000,200")
        XCTAssertNil(mean.metadata["epochs"])
        XCTAssertEqual(mean.metadata["averaged_from"], "a.safetensors, b.safetensors, c.safetensors")
        XCTAssertEqual(mean.metadata["note"], "soup")
    }

    func testFilesOfDifferentNetworksAreRefusedByName() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let a = try write("a.safetensors", ["w": Tensor(shape: [2], data: [1, 2])])
        let renamed = try write("renamed.safetensors", ["v": Tensor(shape: [2], data: [1, 2])])
        let reshaped = try write("reshaped.safetensors", ["w": Tensor(shape: [2, 1], data: [1, 2])])
        let prepared = try write("prepared.safetensors", ["w": Tensor(shape: [2], data: [1, 2])], metadata: [:])
        let out = dir.appendingPathComponent("mean.safetensors").path
        for (other, reason) in [(renamed, "different tensors"), (reshaped, "has shape"), (prepared, "prepares its input differently")] {
            let (status, _, stderr) = try AnalyzeTests.run(binary, ["average-weights", out, a, other])
            XCTAssertEqual(status, 1, stderr)
            XCTAssertTrue(stderr.hasPrefix("ctscreen average-weights: ") && stderr.contains(other) && stderr.contains(reason), stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        let (status, _, stderr) = try AnalyzeTests.run(binary, ["average-weights", out, a])
        XCTAssertEqual(status, 64, stderr)
        XCTAssertTrue(stderr.contains("at least two"), stderr)
    }
}
