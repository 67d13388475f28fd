import XCTest
@testable import Evaluation

final class ScoreTableTests: XCTestCase {
    func testParsesColumnsInAnyOrderWithQuotesAndGroups() throws {
        let csv = """
        score,extra,label,id,group
        0.9,x,1,"case, 1",severe
        0.2,y,negative,case2,
        0.35,z,TRUE,case3,mild
        """
        let t = try ScoreTable.parse(csv, source: "t.csv")
        XCTAssertEqual(t.rows, [
            .init(id: "case, 1", label: true, score: 0.9, group: "severe"),
            .init(id: "case2", label: false, score: 0.2, group: nil),
            .init(id: "case3", label: true, score: 0.35, group: "mild"),
        ])
        XCTAssertEqual(t.groups, ["severe", "mild"])
    }

    func testErrorsNameTheFileAndLine() {
        XCTAssertThrowsError(try ScoreTable.parse("id,label\na,1\n", source: "s.csv")) {
            XCTAssertTrue("\($0)".contains("s.csv") && "\($0)".contains("score"), "\($0)")
        }
        XCTAssertThrowsError(try ScoreTable.parse("id,label,score\na,maybe,0.3\n", source: "s.csv")) {
            XCTAssertTrue("\($0)".contains("line 2"), "\($0)")
        }
        XCTAssertThrowsError(try ScoreTable.parse("id,label,score\na,1,abc\n", source: "s.csv"))
        XCTAssertThrowsError(try ScoreTable.read(path: "/nonexistent/x.csv"))
    }
}
