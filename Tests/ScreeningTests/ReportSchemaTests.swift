import Foundation
import Preparation
import Volumes
import XCTest
@testable import Screening

/// The report is validated against `Protocols/report.schema.json` by the reference JSON Schema
/// validator (python-jsonschema, Draft 2020-12).
final class ReportSchemaTests: XCTestCase {
    static let schemaPath = TestSupport.repoRoot.appendingPathComponent("Protocols/report.schema.json").path

    func testReportValidatesAgainstTheSchema() throws {
        let python = try Self.pythonWithJSONSchema()
        let report = try Self.sampleReport()
        let folder = try TestSupport.temporaryFolder("schema")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("report.json")
        try report.jsonData().write(to: good)
        XCTAssertEqual(try Self.validate(good.path, python: python), "valid")

        // The check can fail: a report without its Corona score, or with an out-of-range ratio.
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        object.removeValue(forKey: "coronaScore")
        let bad = folder.appendingPathComponent("bad.json")
        try JSONSerialization.data(withJSONObject: object).write(to: bad)
        XCTAssertTrue(try Self.validate(bad.path, python: python).contains("coronaScore"))
        var wrong = report
        wrong.positiveRatio = 1.5
        try wrong.jsonData().write(to: bad)
        XCTAssertTrue(try Self.validate(bad.path, python: python).contains("1.5"))
    }

    /// A report from the in-process pipeline on a small synthetic study with one positive slice.
    static func sampleReport() throws -> ScreeningReport {
        var report = try sampleStudy().reduction.report
        report.outputs = ["localization": "localization.nii.gz"]
        return report
    }

    static func sampleStudy() throws -> (volume: Volume, region: LungRegion, reduction: Pipeline.Reduction) {
        let volume = TestSupport.volume(columns: 32, rows: 32, slices: 12, spacing: [0.7, 0.7, 1.25]) { _, r, c in
            r > 20 && c > 20 ? -400 : -850
        }
        var mask = [UInt8](repeating: 0, count: volume.size.count)
        for k in 2..<10 { for r in 4..<28 { for c in 6..<30 { mask[(k * 32 + r) * 32 + c] = 1 } } }
        let region = try LungRegion(size: volume.size, mask: mask)
        let rule = RuleClassifier { pixels in
            let map = pixels.map { $0 > 0.4 ? Float(0.9) : 0 }
            return (map.contains(0.9) ? 0.8 : 0.1, map)
        }
        var clock = StageClock()
        let reduction = try Pipeline(software: SoftwareInfo(version: "test")).run(
            volume: volume, region: region, classifier: rule, studyID: "synthetic", clock: &clock)
        return (volume, region, reduction)
    }

    /// Prints "valid" or the validator's first error message.
    static func validate(_ path: String, python: String) throws -> String {
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        print("valid" if not errors else errors[0].message)
        """
        return try run(python, ["-c", script, schemaPath, path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func pythonWithJSONSchema() throws -> String {
        for candidate in ["python3", "/usr/bin/python3"] {
            if (try? run(candidate, ["-c", "import jsonschema; print('ok')"]))?.hasPrefix("ok") == true {
                return candidate
            }
        }
        throw XCTSkip("no python3 with the jsonschema package (Scripts/setup installs python3-jsonschema)")
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
