import CTScreenTestSupport
import Datasets
import Foundation
import Imaging
import ResNetClassifier
import Screening
import Segmentation
import XCTest

/// `ctscreen predict` scores each listed slice with the model: every row's score equals the
/// probability of that image classified alone, in-process, whatever the batching and order.
final class PredictCommandTests: XCTestCase {
    func testScoresEqualSingleImageClassification() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let ucsd = AnalyzeTests.shared.appendingPathComponent("data/slices/ucsd-covid-ct")
        guard FileManager.default.fileExists(atPath: ucsd.path) else { throw XCTSkip("UCSD images missing") }
        let all = try DatasetBuilder.ucsdCovidCT(root: ucsd)
        let picked = Dataset(name: "ucsd-covid-ct", samples: Array(all.samples.filter(\.label).prefix(3))
                             + Array(all.samples.filter { !$0.label }.prefix(3)))
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let splits = tmp.appendingPathComponent("splits.json")
        let empty = Dataset(name: "x", samples: [])
        try JSONEncoder().encode(["train": empty, "validation": empty, "test": picked]).write(to: splits)

        let csv = tmp.appendingPathComponent("test.csv").path
        let (status, stdout, stderr) = try AnalyzeTests.run(binary, [
            "predict", "--splits", splits.path, "--weights", AnalyzeTests.weights, "--output", csv,
            "--batch-size", "4", "--threads", "1"])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(stdout.contains("scored 6 test slices (3 positive)"), stdout)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "id,label,score,dataset,patient")
        XCTAssertEqual(lines.count, 7)

        let classifier = try ResNetSliceClassifier(weightsPath: AnalyzeTests.weights)
        let loader = try SampleLoader()
        var rng = SplitMix64(seed: 0)
        for sample in picked.samples {
            guard case .image(let path) = sample.source else { return XCTFail("not an image sample") }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let row = try XCTUnwrap(lines.first { $0.hasPrefix(name + ",") || $0.hasPrefix("\"" + name) }, name)
            let fields = row.split(separator: ",").map(String.init)
            XCTAssertEqual(fields[1], sample.label ? "1" : "0", name)
            XCTAssertEqual(fields[3], "ucsd-covid-ct")
            XCTAssertEqual(fields[4], sample.group)
            let (input, _) = try loader.batch([sample], rng: &rng)
            let alone = try classifier.classify(input: input, count: 1, positiveThreshold: 2)[0].probability
            XCTAssertEqual(try XCTUnwrap(Float(fields[2])), alone, accuracy: 1e-5, name)
        }

        // Splits and data-set flags exclude each other.
        let (bad, _, err) = try AnalyzeTests.run(binary, ["predict", "--splits", splits.path, "--ucsd", ucsd.path, "--output", csv])
        XCTAssertNotEqual(bad, 0)
        XCTAssertTrue(err.contains("not both"), err)
    }

    /// Bad inputs of predict, convert-weights and the data-set flags: one clear error line
    /// naming the file or flag, and a non-zero exit.
    /// --localisation adds Grad-CAM's place on each masked slice's infection mask: five
    /// columns per row and a summary line (the measure itself: LesionLocalisationTests).
    /// `predict --medseg` with `options` and the fixture weights: its stdout and the CSV's lines.
    func predictMedSeg(_ options: [String]) throws -> (stdout: String, lines: [String]) {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let medseg = try SharedFolder.existing("data/slices/medseg-covid19")
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-medseg-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let (status, stdout, stderr) = try AnalyzeTests.run(binary, [
            "predict", "--medseg", medseg.path, "--weights", AnalyzeTests.weights, "--output", csv, "--threads", "1"] + options)
        XCTAssertEqual(status, 0, stderr)
        return (stdout, try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init))
    }

    func testLocalisationColumns() throws {
        let (stdout, lines) = try predictMedSeg(["--max-per-group", "3", "--localisation"])
        XCTAssertTrue(stdout.contains("localisation over 3 masked slices: heat in lesion / rest of lung median"), stdout)
        XCTAssertTrue(stdout.contains("% of lesion pixels"), stdout)
        XCTAssertEqual(lines.first, "id,label,score,dataset,patient,heat_in_lesion,heat_in_rest_of_lung,peak_in_lesion,lesion_counted,rest_of_lung_counted")
        XCTAssertEqual(lines.count, 4)
        for row in lines.dropFirst() {
            let f = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(f.count, 10, row)
            let inLesion = try XCTUnwrap(Double(f[5]), row), rest = try XCTUnwrap(Double(f[6]), row)
            XCTAssertTrue(inLesion >= 0 && rest > 0 && inLesion.isFinite, row)
            XCTAssertTrue(["0", "1"].contains(f[7]), row)
            for share in [f[8], f[9]] { XCTAssertTrue((0...1).contains(try XCTUnwrap(Double(share), row)), row) }
        }
    }

    /// --left-out-by-cap scores exactly the slices --max-per-group leaves out: MedSeg capped at
    /// 47 of its 50 slices leaves three, none of them among the 47.
    func testLeftOutByCapScoresTheRest() throws {
        let ids = try predictMedSeg(["--max-per-group", "47", "--left-out-by-cap"]).lines.dropFirst().map { String($0.split(separator: ",")[0]) }
        let all = try DatasetBuilder.medseg(root: SharedFolder.existing("data/slices/medseg-covid19"))
        func name(_ s: Sample) -> String {
            guard case .maskedImage(let image, _) = s.source else { return "" }
            return URL(fileURLWithPath: image).lastPathComponent
        }
        let kept = Set(all.capped(perGroup: 47).samples.map(name))
        XCTAssertEqual(ids.count, 3)
        XCTAssertEqual(Set(ids).union(kept).count, 50, "the rest and the kept slices make up the set")
        XCTAssertTrue(Set(ids).isDisjoint(with: kept))
    }

    func testBadInputsGiveOneClearErrorLine() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let medseg = try SharedFolder.existing("data/slices/medseg-covid19").path
        let weights = try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let junk = tmp.appendingPathComponent("junk.json")
        try Data("{\"test\": 3}".utf8).write(to: junk)
        let notWeights = tmp.appendingPathComponent("not-weights.safetensors")
        try Data("hello".utf8).write(to: notWeights)
        let out = tmp.appendingPathComponent("out").path
        let cases: [([String], [String])] = [
            (["predict", "--splits", junk.path, "--output", out], ["junk.json", "not a splits.json of ctscreen train"]),
            (["predict", "--splits", junk.path, "--split", "holdout", "--output", out], ["--split must be train, validation or test"]),
            (["predict", "--ucsd", tmp.path, "--max-per-group", "0", "--output", out], ["--max-per-group must be positive"]),
            (["predict", "--medseg", medseg, "--left-out-by-cap", "--output", out], ["--left-out-by-cap needs --max-per-group"]),
            (["convert-weights", notWeights.path, out], ["not-weights.safetensors"]),
            (["convert-weights", notWeights.path, out, "--dtype", "bf16"], ["--dtype must be f16 or f32"]),
            (["convert-weights", notWeights.path, out, "--metadata", "epochs"], ["--metadata takes KEY=VALUE, got 'epochs'"]),
            (["predict", "--covid-ct-md", "/nonexistent/covid-ct-md", "--output", out], ["/nonexistent/covid-ct-md/labels.csv"]),
            // --features naming a folder: the write fails, naming it
            (["predict", "--medseg", medseg,
              "--max-per-group", "1", "--weights", weights, "--threads", "1",
              "--output", tmp.appendingPathComponent("scores.csv").path, "--features", tmp.path], [tmp.path]),
        ]
        for (arguments, expected) in cases {
            let (status, _, err) = try AnalyzeTests.run(binary, arguments)
            XCTAssertNotEqual(status, 0, arguments.joined(separator: " "))
            for text in expected { XCTAssertTrue(err.contains(text), "\(arguments.joined(separator: " ")): \(err)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written on a bad input")
    }
}

