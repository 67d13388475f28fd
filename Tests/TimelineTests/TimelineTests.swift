import Foundation
import XCTest
import CTScreenTestSupport
@testable import Timeline

/// Timelines from hand-made time points: order, relative score, matching, the odd cases.
final class TimelineTests: XCTestCase {
    static func point(_ key: String, date: String, time: String = "", corona: Double,
                      findings: [(id: Int, volume: Double, centre: [Double])] = [],
                      lungCentre: [Double] = [0, 0, 0], lungExtent: [Double] = [300, 200, 250]) -> TimePoint {
        let json = """
        {"patientID": "P1", "key": "\(key)", "studyID": "\(key)", "studyInstanceUID": "1.2.\(key)", "studyDate": "\(date)",
         "studyTime": "\(time)", "coronaScore": \(corona), "positiveRatio": 0.1, "reportPath": "/r/\(key)",
         "lungCentre": \(lungCentre), "lungExtent": \(lungExtent), "findings": []}
        """
        var p = try! JSONDecoder().decode(TimePoint.self, from: Data(json.utf8))
        p.findings = findings.map {
            TimePoint.Finding(id: $0.id, volumeCM3: $0.volume, longestDiameterMM: 20, centreLPS: $0.centre, kind: "ground-glass", side: "left")
        }
        return p
    }

    func testOrderDaysAndRelativeScore() {
        let t = Timeline(patientID: "P1", timePoints: [
            Self.point("c", date: "20200115", corona: 5), Self.point("a", date: "20200101", corona: 10),
            Self.point("b", date: "20200108", time: "120000", corona: 20),
        ])
        XCTAssertEqual(t.points.map(\.timePoint.key), ["a", "b", "c"])
        XCTAssertEqual(t.points.map(\.day), [0, 7.5, 14])
        XCTAssertEqual(t.points.map(\.relativeCoronaScore), [1, 2, 0.5])
        XCTAssertEqual(t.baseline, "a")
        XCTAssertEqual(t.notes, [])
    }

    func testFirstScoreZeroTakesTheFirstNonZeroAsBaseline() {
        let t = Timeline(patientID: "P1", timePoints: [
            Self.point("a", date: "20200101", corona: 0), Self.point("b", date: "20200102", corona: 4),
            Self.point("c", date: "20200103", corona: 2),
        ])
        XCTAssertEqual(t.points.map(\.relativeCoronaScore), [0, 1, 0.5])
        XCTAssertEqual(t.baseline, "b")
        XCTAssertEqual(t.notes.count, 1)
        XCTAssertTrue(t.notes[0].contains("first time point's Corona score is 0"), t.notes[0])
        let zeros = Timeline(patientID: "P1", timePoints: [Self.point("a", date: "20200101", corona: 0)])
        XCTAssertEqual(zeros.points.map(\.relativeCoronaScore), [nil])
        XCTAssertEqual(zeros.notes, ["every Corona score is 0: no relative score"])
    }

    func testMissingDateLeftOutAndSameDateOrderedByUIDWithANote() {
        let t = Timeline(patientID: "P1", timePoints: [
            Self.point("x", date: "", corona: 1), Self.point("y", date: "2020-01-01", corona: 1),
            Self.point("b", date: "20200101", corona: 2), Self.point("a", date: "20200101", corona: 3),
        ])
        XCTAssertEqual(t.points.map(\.timePoint.key), ["a", "b"])
        XCTAssertEqual(t.notes.filter { $0.contains("no valid study date") }.count, 2)
        XCTAssertEqual(t.notes.filter { $0.contains("same study date and time") }.count, 1)
        XCTAssertEqual(t.points.map(\.day), [0, 0])
        // An impossible date is not a date.
        XCTAssertNil(Self.point("z", date: "20200231", corona: 1).day)
    }

    /// The second scan's lungs are shifted 40 mm and 10 % larger along x: after alignment the
    /// grown finding matches its predecessor (not the nearer raw position of the other one).
    func testFindingsMatchedAfterAligningTheLungs() {
        let first = Self.point("a", date: "20200101", corona: 1, findings: [(1, 4.0, [50, 0, 0]), (2, 2.0, [-60, 10, 0])])
        let second = Self.point("b", date: "20200111", corona: 2,
                                findings: [(1, 6.0, [95, 0, 0]), (2, 1.0, [-26, 10, 0]), (3, 0.5, [0, 80, 0])],
                                lungCentre: [40, 0, 0], lungExtent: [330, 200, 250])
        let t = Timeline(patientID: "P1", timePoints: [second, first])
        let changes = t.points[1].findings
        XCTAssertEqual(changes.map(\.previousID), [1, 2, nil])
        XCTAssertEqual(changes[0].volumeChangeCM3!, 2, accuracy: 1e-12)
        XCTAssertEqual(changes[1].volumeChangeCM3!, -1, accuracy: 1e-12)
        XCTAssertEqual(changes.map(\.track), [1, 2, 3], "tracks carry over; the new finding gets the next one")
        let lines = TimelineText.lines(t)
        XCTAssertTrue(lines[3].contains("#1 6.00 (+2.00, +50 % from #1)"), lines[3])
        XCTAssertTrue(lines[3].contains("#3 0.50 (new)"), lines[3])
    }

    func testSQLiteStoreKeepsOnePointPerScanAndRefusesAStudyWithoutPatient() throws {
        let folder = try SharedFolder.temporaryFolder("timeline")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteTimelineStore(folder: folder)
        _ = try store.record(Self.point("a", date: "20200101", corona: 1))
        _ = try store.record(Self.point("b", date: "20200105", corona: 2))
        let again = try store.record(Self.point("a", date: "20200101", corona: 3))  // analysed again: replaced
        XCTAssertEqual(again.points.map(\.timePoint.coronaScore), [3, 2])
        // A second process (another store on the same file) sees the same.
        let other = try SQLiteTimelineStore(folder: folder)
        XCTAssertEqual(try other.timePoints(patient: "P1").count, 2)
        XCTAssertEqual(try other.patients(), ["P1"])
        var anonymous = Self.point("c", date: "20200101", corona: 1)
        anonymous.patientID = ""
        XCTAssertThrowsError(try store.record(anonymous)) { error in
            XCTAssertTrue("\(error)".contains("has no patient id"), "\(error)")
        }
        XCTAssertEqual(try store.timePoints(patient: ""), [])
    }

    func testStoreInAFolderThatCannotBeMadeNamesIt() throws {
        let folder = try SharedFolder.temporaryFolder("timeline-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try SQLiteTimelineStore(folder: file.appendingPathComponent("history"))) { error in
            XCTAssertTrue("\(error)".contains(file.path), "\(error)")
        }
    }

    /// The plot: Corona points in the top panel, each track's line in the bottom one.
    func testPlotDrawsScoresAndTracks() {
        let t = Timeline(patientID: "P1", timePoints: [
            Self.point("a", date: "20200101", corona: 10, findings: [(1, 4, [0, 0, 0])]),
            Self.point("b", date: "20200111", corona: 20, findings: [(1, 8, [0, 0, 0])]),
        ])
        let image = TimelinePlot.render(t, width: 840, panelHeight: 260)
        XCTAssertEqual(image.width, 840)
        let blue = image.rgb.indices.filter { $0 % 3 == 0 && image.rgb[$0] == 31 && image.rgb[$0 + 1] == 119 && image.rgb[$0 + 2] == 180 }
        let red = image.rgb.indices.filter { $0 % 3 == 0 && image.rgb[$0] == 214 && image.rgb[$0 + 1] == 39 && image.rgb[$0 + 2] == 40 }
        XCTAssertGreaterThan(blue.count, 200)
        XCTAssertGreaterThan(red.count, 200)
        // Blue (Corona) above red (finding volumes): compare the mean rows.
        func meanRow(_ idx: [Int]) -> Double { idx.map { Double($0 / 3 / image.width) }.reduce(0, +) / Double(idx.count) }
        XCTAssertLessThan(meanRow(blue), meanRow(red))
    }
}
