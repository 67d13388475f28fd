import CTScreenTestSupport
import Foundation
import XCTest
@testable import CTScreenCLI

/// `ctscreen analyze` as a user meets it: help text, and the built binary's exit code and
/// error line on bad inputs.
final class AnalyzeTests: XCTestCase {
    static var repoRoot: URL { SharedFolder.repositoryRoot }
    static var shared: URL { SharedFolder.url }
    static var weights: String { shared.appendingPathComponent("fixtures/resnet50-gradcam/model.safetensors").path }
    static var covidStudy: String { shared.appendingPathComponent("data/volumes/ricord-1a-000082-covid").path }

    func testHelpListsEveryOption() {
        let help = CTScreen.helpMessage(for: Analyze.self)
        for option in ["--weights", "--out", "--threads", "--threshold", "--operating-point", "--timings",
                       "not for clinical use"] {
            XCTAssertTrue(help.contains(option), "help lacks \(option):\n\(help)")
        }
        XCTAssertTrue(CTScreen.helpMessage().contains("analyze"))
    }

    func testStudyIDIsTheFolderOrFileName() {
        XCTAssertEqual(AnalyzeInputs.studyID(of: "/data/ricord-1a/"), "ricord-1a")
        XCTAssertEqual(AnalyzeInputs.studyID(of: "/data/case7.nii.gz"), "case7")
        XCTAssertEqual(AnalyzeInputs.studyID(of: "case8.nii"), "case8")
    }

    /// Each bad input gives exit status 1 and exactly one stderr line naming the study and the reason.
    func testBadInputsGiveOneClearErrorLine() throws {
        let binary = try Self.binary(configuration: "debug")
        let weights = try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path
        let covidStudy = try SharedFolder.existing("data/volumes/ricord-1a-000082-covid").path
        let mrFile = try SharedFolder.existing("data/dicom-samples/pydicom/MR_small_implicit.dcm")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-analyze-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("empty-study"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let mr = folder.appendingPathComponent("mr-study")
        try FileManager.default.createDirectory(at: mr, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: mrFile, to: mr.appendingPathComponent("MR_small_implicit.dcm"))
        let plainFile = folder.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: plainFile)
        let badWeights = folder.appendingPathComponent("bad.safetensors")
        try Data("not a model".utf8).write(to: badWeights)
        let out = folder.appendingPathComponent("out").path

        let cases: [(arguments: [String], study: String, reason: String)] = [
            ([folder.appendingPathComponent("missing-study").path, "--weights", weights, "--out", out],
             "missing-study", "no such file"),
            ([folder.appendingPathComponent("empty-study").path, "--weights", weights, "--out", out],
             "empty-study", "empty folder"),
            ([mr.path, "--weights", weights, "--out", out], "mr-study", "not CT"),
            ([covidStudy, "--weights", badWeights.path, "--out", out], "ricord-1a-000082-covid", "bad.safetensors"),
            ([covidStudy, "--weights", weights, "--out", plainFile.appendingPathComponent("x").path],
             "ricord-1a-000082-covid", "cannot be written"),
        ]
        for c in cases {
            let (status, stdout, stderr) = try Self.run(binary, ["analyze"] + c.arguments)
            XCTAssertEqual(status, 1, "\(c.arguments)")
            XCTAssertEqual(stdout, "", "\(c.arguments)")
            let lines = stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, stderr)
            XCTAssertTrue(lines.first?.hasPrefix("ctscreen analyze: \(c.study): ") == true, stderr)
            XCTAssertTrue(stderr.contains(c.reason), "expected '\(c.reason)' in: \(stderr)")
        }
    }

    static func binary(configuration: String) throws -> URL {
        let url = repoRoot.appendingPathComponent(".build/\(configuration)/ctscreen")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(url.path) not built (swift build --build-tests / Scripts/setup build it)")
        }
        return url
    }

    /// Runs the binary to its end (in `environment`, else this process's), stdout and stderr
    /// captured in files (no pipe can fill up); (status, stdout, stderr).
    static func run(_ binary: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: outURL, encoding: .utf8),
                try String(contentsOf: errURL, encoding: .utf8))
    }
}
