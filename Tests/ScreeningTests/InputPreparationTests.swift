import Imaging
import Preparation
import XCTest
@testable import Screening

/// A model's input preparation from its metadata, and slices turned to its planes.
final class InputPreparationTests: XCTestCase {
    func testMetadataGivesThePreparationAndMissingKeysKeepTheDefault() throws {
        let p = try InputPreparation(metadata: [
            InputPreparation.windowKey: "-1000,200", InputPreparation.meanKey: "0,0,0",
            InputPreparation.stdKey: "1, 1, 1", InputPreparation.orientationKey: "transposed",
        ], source: "m")
        XCTAssertEqual(p, InputPreparation(windowLowHU: -1000, windowHighHU: 200, channelMean: [0, 0, 0],
                                           channelStd: [1, 1, 1], orientation: .transposed))
        XCTAssertEqual(try InputPreparation(metadata: ["epochs": "3"], source: "m"), .standard)
        XCTAssertEqual(InputPreparation.standard.windowLowHU, -1000)
        XCTAssertEqual(InputPreparation.standard.windowHighHU, 0)
        // Written metadata reads back to the same preparation.
        XCTAssertEqual(try InputPreparation(metadata: p.metadata, source: "m"), p)
    }

    func testMalformedMetadataIsAnErrorNamingTheFileAndKey() {
        for (key, value) in [(InputPreparation.windowKey, "-1000"), (InputPreparation.meanKey, "0,0,x"),
                             (InputPreparation.orientationKey, "sideways"), (InputPreparation.windowKey, "200,-1000"),
                             (InputPreparation.stdKey, "1,0,1")] {
            XCTAssertThrowsError(try InputPreparation(metadata: [key: value], source: "w.safetensors"), "\(key)=\(value)") {
                XCTAssertTrue("\($0)".contains("w.safetensors"), "\($0)")
            }
        }
    }

    func testOrientationsOnAHandMadeImage() {
        // 0 1
        // 2 3
        let img: [Float] = [0, 1, 2, 3]
        XCTAssertEqual(PlaneOrientation.asAcquired.apply(img, side: 2), [0, 1, 2, 3])
        XCTAssertEqual(PlaneOrientation.rotated90.apply(img, side: 2), [2, 0, 3, 1])  // clockwise
        XCTAssertEqual(PlaneOrientation.rotated180.apply(img, side: 2), [3, 2, 1, 0])
        XCTAssertEqual(PlaneOrientation.rotated270.apply(img, side: 2), [1, 3, 0, 2])
        XCTAssertEqual(PlaneOrientation.flippedRows.apply(img, side: 2), [2, 3, 0, 1])
        XCTAssertEqual(PlaneOrientation.flippedColumns.apply(img, side: 2), [1, 0, 3, 2])
        XCTAssertEqual(PlaneOrientation.transposed.apply(img, side: 2), [0, 2, 1, 3])
        XCTAssertEqual(PlaneOrientation.antiTransposed.apply(img, side: 2), [3, 1, 2, 0])
    }

    func testEveryOrientationIsUndoneByItsInverseAndAllEightDiffer() {
        let side = 5
        let img = (0..<(side * side)).map(Float.init)
        var seen = Set<[Float]>()
        for o in PlaneOrientation.allCases {
            let turned = o.apply(img, side: side)
            seen.insert(turned)
            XCTAssertEqual(o.inverse.apply(turned, side: side), img, "\(o)")
        }
        XCTAssertEqual(seen.count, 8)
    }

    /// The network sees its planes turned; its maps come back in the slice's orientation.
    func testPipelineTurnsInputsForTheModelAndMapsBack() throws {
        var settings = ScreeningSettings()
        settings.inputSize = 4
        settings.channelMean = [0, 0, 0]
        settings.channelStd = [1, 1, 1]
        settings.inputOrientation = .rotated90
        let pixels = (0..<16).map { Float($0) / 16 }
        let slice = PreparedSlice(sliceIndex: 0, crop: PixelRect(row: 0, column: 0, rows: 4, columns: 4), side: 4, pixels: pixels)
        let seen = SeenPixels()
        let classifier = RuleClassifier(settings: settings) { input in
            seen.value = input
            return (0.9, input)  // the "heat map" is the network's own input plane
        }
        let pipeline = try Pipeline(settings: settings, software: SoftwareInfo(version: "test"))
        let result = try XCTUnwrap(pipeline.classify([slice], with: classifier).first)
        XCTAssertEqual(seen.value, PlaneOrientation.rotated90.apply(pixels, side: 4))
        XCTAssertEqual(result.fusedMap, pixels)
    }
}

private final class SeenPixels: @unchecked Sendable {
    var value: [Float] = []
}
