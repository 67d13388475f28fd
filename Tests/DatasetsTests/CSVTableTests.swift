import Foundation
import XCTest
@testable import Datasets

/// The CSV reading that dataset tables rely on, and the file lines errors name.
final class CSVTableTests: XCTestCase {
    func testQuotesSpacesBlankLinesAndLineNumbers() throws {
        let text = "\u{FEFF}Path, Label ,group\r\n\r\n a.png , 1 ,\"p, 1\"\r\n\"b\"\"q.png\",0,\"two\nlines\"\r\n\nc.png,yes,p3\n"
        let table = try CSVTable.parse(text, source: "t.csv")
        XCTAssertEqual(table.columns, ["path", "label", "group"])
        XCTAssertEqual(table.rows, [["a.png", "1", "p, 1"], ["b\"q.png", "0", "two\nlines"], ["c.png", "yes", "p3"]])
        XCTAssertEqual((0..<3).map(table.line(ofRow:)), [3, 4, 7])
    }

    func testErrorsNameTheFileAndLine() throws {
        XCTAssertThrowsError(try CSVTable.parse("a,b,c\n1,2,3\n\n4,5\n", source: "t.csv")) {
            XCTAssertEqual("\($0)", "cannot read table t.csv: line 4 has 2 fields, the header 3")
        }
        XCTAssertThrowsError(try CSVTable.parse("\n \n", source: "t.csv")) {
            XCTAssertEqual("\($0)", "cannot read table t.csv: the file is empty")
        }
        XCTAssertThrowsError(try CSVTable.parse("a\n1\n", source: "t.csv").column("b")) {
            XCTAssertEqual("\($0)", "cannot read table t.csv: no column 'b' (header: a)")
        }
        XCTAssertThrowsError(try CSVTable.read(path: "/nonexistent/t.csv")) {
            XCTAssertTrue("\($0)".hasPrefix("cannot read table /nonexistent/t.csv: "), "\($0)")
        }
    }

    func testALabelErrorNamesTheRowsLine() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("s.csv")
        try "volume,slice,label\n\nv.nii.gz,1,1\nv.nii.gz,2,maybe\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetBuilder.volumeSlices(csv: csv)) {
            XCTAssertTrue("\($0)".contains("\(csv.path): line 4: label 'maybe'"), "\($0)")
        }
    }
}
