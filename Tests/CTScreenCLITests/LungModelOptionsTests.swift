import ArgumentParser
import CTScreenTestSupport
import Foundation
import LungModel
import Preparation
import XCTest
@testable import CTScreenCLI

/// `--lung-model` (analyze, coordinator): classical by default, the U-Net when given, a clear
/// error for a missing or unloadable file.
final class LungModelOptionsTests: XCTestCase {
    func testDefaultIsClassicalAndAModelIsLoadedOnce() throws {
        XCTAssertTrue(try LungModelOptions.parse([]).segmenters()("s") is ClassicalLungSegmenter)
        let weights = SharedFolder.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/unet16/unet16-w8.safetensors")
        let make = try LungModelOptions.parse(["--lung-model", weights.path]).segmenters()
        let a = try XCTUnwrap(make("study-a") as? UNetLungSegmenter), b = try XCTUnwrap(make("study-b") as? UNetLungSegmenter)
        XCTAssertEqual([a.studyID, b.studyID], ["study-a", "study-b"])
        XCTAssertTrue(a.network === b.network, "one network for every study")
    }

    func testMissingOrWrongFilesAreRefusedByName() throws {
        XCTAssertThrowsError(try LungModelOptions.parse(["--lung-model", "/nonexistent/lungs.safetensors"]).segmenters()) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/lungs.safetensors"), "\(error)")
        }
        // ResNet weights are not a U-Net: the missing tensor is named.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-lungmodel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bogus = folder.appendingPathComponent("x.safetensors")
        try Data("not safetensors".utf8).write(to: bogus)
        XCTAssertThrowsError(try LungModelOptions.parse(["--lung-model", bogus.path]).segmenters()) { error in
            XCTAssertTrue("\(error)".contains("x.safetensors"), "\(error)")
        }
    }
}
