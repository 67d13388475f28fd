import ArgumentParser
import CTScreenTestSupport
import Foundation
import Volumes
import XCTest
@testable import CTScreenCLI

final class InspectTests: XCTestCase {
    func data(_ relative: String) throws -> String { try SharedFolder.existing("data/" + relative).path }

    func testTextReportOfValidSeries() throws {
        let report = try Inspector.inspect(URL(fileURLWithPath: data("volumes/lung-pet-ct-dx-a0002-noncovid")))
        let text = InspectText.render(report)
        XCTAssertTrue(text.contains("DICOM folder, 1 series, 1 valid"), text)
        XCTAssertTrue(text.contains("size 512 x 512 x 30 (columns x rows x slices)"), text)
        XCTAssertTrue(text.contains("spacing 0.646484 x 0.646484 x 8 mm"), text)
        XCTAssertTrue(text.contains("HU range -1024 ... 1548"), text)
        XCTAssertTrue(text.contains("verdict: valid"), text)
    }

    func testFolderWithoutValidSeriesExitsNonZero() throws {
        let command = try Inspect.parse([try data("dicom-samples/pydicom")])
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertEqual((error as? ExitCode)?.rawValue, 1)
        }
        let json = try Inspect.parse([try data("volumes/lung-pet-ct-dx-a0002-noncovid"), "--json"])
        XCTAssertNoThrow(try json.run())
    }

    func testMissingPathExitsNonZero() throws {
        let command = try Inspect.parse(["/nonexistent/ctscreen-path"])
        XCTAssertThrowsError(try command.run()) { XCTAssertEqual(($0 as? ExitCode)?.rawValue, 1) }
    }

    func testJSONReportDecodesWithVerdicts() throws {
        let report = try Inspector.inspect(URL(fileURLWithPath: data("dicom-samples/pydicom")))
        let encoded = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(InspectionReport.self, from: encoded)
        XCTAssertEqual(back, report)
        XCTAssertEqual(back.validCount, 0)
        let mr = back.series.filter { $0.modality == "MR" }
        XCTAssertEqual(mr.first?.errorKind, .notCT)
        XCTAssertTrue(mr.first?.verdict.contains("not CT (modality MR)") ?? false)
    }
}
