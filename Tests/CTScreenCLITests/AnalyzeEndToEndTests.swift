import Foundation
import XCTest
@testable import CTScreenCLI

/// `ctscreen analyze` on the real COVID-19 study (255 slices) with the fixture weights (the
/// narrow ResNet-50), through the RELEASE binary that Scripts/setup builds: a debug build would
/// take minutes. Skipped when `.build/release/ctscreen` is absent.
final class AnalyzeEndToEndTests: XCTestCase {
    func testAnalyzeRealCOVIDStudyWritesEveryOutput() throws {
        let binary = try AnalyzeTests.binary(configuration: "release")
        guard FileManager.default.fileExists(atPath: AnalyzeTests.covidStudy) else {
            throw XCTSkip("study not found at \(AnalyzeTests.covidStudy)")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, stdout, stderr) = try AnalyzeTests.run(binary, [
            "analyze", AnalyzeTests.covidStudy, "--weights", AnalyzeTests.weights, "--out", out.path,
            "--threads", "2", "--timings"])
        print(stdout)
        XCTAssertEqual(status, 0, stderr)
        XCTAssertEqual(stderr, "")
        XCTAssertTrue(stdout.contains("NOT FOR CLINICAL USE"), stdout)
        XCTAssertTrue(stdout.contains("Corona score"), stdout)
        XCTAssertTrue(stdout.contains("Timings"), stdout)

        let reportURL = out.appendingPathComponent("report.json")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: reportURL)) as? [String: Any])
        let study = try XCTUnwrap(report["study"] as? [String: Any])
        XCTAssertEqual((study["size"] as? [String: Int])?["slices"], 255)
        XCTAssertEqual((report["model"] as? [String: Any])?["sha256"] as? String,
                       "9266be69d0a367a5d74c85d1c909ba72ecfaac32d85431bfa043a2e7cc079d29")
        let lung = try XCTUnwrap(report["lung"] as? [String: Any])
        let litres = try XCTUnwrap(lung["volumeML"] as? Double) / 1000
        XCTAssertTrue((2...8).contains(litres), "lung volume \(litres) l")
        let slices = try XCTUnwrap(report["slices"] as? [[String: Any]])
        XCTAssertEqual(slices.count, lung["sliceCount"] as? Int)
        let positives = try XCTUnwrap(report["positiveSlices"] as? [Int])
        let ratio = try XCTUnwrap(report["positiveRatio"] as? Double)
        XCTAssertEqual(ratio, Double(positives.count) / Double(slices.count), accuracy: 1e-12)

        // Every output the report lists exists; PNGs decode through libpng.
        let outputs = try XCTUnwrap(report["outputs"] as? [String: String])
        for role in ["report", "localization", "lungMask", "overview"] {
            let path = try XCTUnwrap(outputs[role], "no \(role) in outputs")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(path).path), path)
        }
        XCTAssertEqual(outputs.keys.filter { $0.hasPrefix("slice ") }.count, positives.count)

        let validation = try ReportValidation.validate(reportURL.path)
        XCTAssertEqual(validation, "valid")
    }
}

/// Validates a report with python-jsonschema (Draft 2020-12) against Protocols/report.schema.json.
enum ReportValidation {
    static func validate(_ path: String) throws -> String {
        let schema = AnalyzeTests.repoRoot.appendingPathComponent("Protocols/report.schema.json").path
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        print("valid" if not errors else errors[0].message)
        """
        for python in ["/usr/bin/env", "/usr/bin/python3"] {
            let args = python == "/usr/bin/env" ? ["python3", "-c", script, schema, path] : ["-c", script, schema, path]
            let (status, out, _) = try AnalyzeTests.run(URL(fileURLWithPath: python), args)
            if status == 0 { return out.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        throw XCTSkip("no python3 with jsonschema")
    }
}
