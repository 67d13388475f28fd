import Foundation
import Volumes
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
        XCTAssertTrue(stdout.contains("features.npy, thumbnails.npy"), "the clustering inputs are listed: \(stdout)")

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
        for role in ["report", "localization", "lungMask", "findings", "overview"] {
            let path = try XCTUnwrap(outputs[role], "no \(role) in outputs")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(path).path), path)
        }
        // One picture per positive slice and per slice a focal finding is measured on.
        let focal = try XCTUnwrap(report["focalOpacities"] as? [String: Any])
        let findings = try XCTUnwrap(focal["findings"] as? [[String: Any]])
        XCTAssertFalse(findings.isEmpty, "the COVID-19 study's ground-glass opacities")
        let measured = Set(findings.compactMap { $0["diameterSlice"] as? Int })
        XCTAssertEqual(outputs.keys.filter { $0.hasPrefix("slice ") }.count, Set(positives).union(measured).count)
        XCTAssertTrue(stdout.contains("Focal        \(findings.count) findings"), stdout)

        let validation = try ReportValidation.validate(reportURL.path)
        XCTAssertEqual(validation, "valid")

        // Both NIfTI volumes sit on the input grid with its affine (the series' geometry as
        // given in issue 2, read independently with pydicom); the localisation is 0 outside the
        // lung mask and re-summing it gives the reported Corona score.
        let size = VolumeSize(columns: 512, rows: 512, slices: 255)
        let grid = Geometry(spacing: [0.703125, 0.703125, 1.25], origin: [-192.2, -180.0, -349.25])
        let localization = try NIfTI.readFloat(at: out.appendingPathComponent("localization.nii.gz"))
        let mask = try NIfTI.readFloat(at: out.appendingPathComponent("lung-mask.nii.gz"))
        for image in [localization, mask] {
            XCTAssertEqual(image.size, size)
            let a = image.geometry, b = grid
            for (x, y) in [(a.spacing, b.spacing), (a.origin, b.origin), (a.rowDirection, b.rowDirection),
                           (a.columnDirection, b.columnDirection), (a.sliceDirection, b.sliceDirection)] {
                XCTAssertLessThan(((x - y) * (x - y)).sum().squareRoot(), 1e-4, "\(a) vs \(b)")
            }
        }
        var outside = 0, score = 0.0, lungVoxels = 0
        localization.voxels.withUnsafeBufferPointer { v in
            mask.voxels.withUnsafeBufferPointer { m in
                for i in 0..<v.count {
                    if m[i] == 0 { if v[i] != 0 { outside += 1 } } else { lungVoxels += 1 }
                    if v[i] > 0.6 { score += Double(v[i]) }
                }
            }
        }
        XCTAssertEqual(outside, 0)
        score *= grid.voxelVolume / 1000
        XCTAssertEqual(score, try XCTUnwrap(report["coronaScore"] as? Double), accuracy: 1e-6 + 1e-4 * score)
        XCTAssertEqual(Double(lungVoxels) * grid.voxelVolume / 1000, litres * 1000, accuracy: 0.01)

        // The combined map: 1 on every focal finding's voxels (their counts add up), 2 only
        // where the localisation passes the Corona threshold, both inside the lung mask.
        let combined = try NIfTI.readFloat(at: out.appendingPathComponent("findings.nii.gz"))
        XCTAssertEqual(combined.size, size)
        var focalVoxels = 0, badDiffuse = 0, outsideLung = 0
        for i in 0..<combined.voxels.count where combined.voxels[i] != 0 {
            if combined.voxels[i] == 1 { focalVoxels += 1 } else if combined.voxels[i] != 2 || localization.voxels[i] <= 0.6 { badDiffuse += 1 }
            if mask.voxels[i] == 0 { outsideLung += 1 }
        }
        XCTAssertEqual(focalVoxels, findings.compactMap { $0["voxelCount"] as? Int }.reduce(0, +))
        XCTAssertEqual(badDiffuse, 0)
        XCTAssertEqual(outsideLung, 0)
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
