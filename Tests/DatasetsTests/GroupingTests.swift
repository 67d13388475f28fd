import XCTest
@testable import Datasets

final class GroupingTests: XCTestCase {
    func testCovid19CTSegNames() {
        XCTAssertEqual(GroupRule.volumeName(covid19CTSegFile: "Data-1_coronacases_org_001_17.jpg"), "coronacases_org_001")
        XCTAssertEqual(GroupRule.covid19CTSeg.group(folder: "images", file: "Data-1_coronacases_org_001_17.jpg"),
                       "coronacases_org_001")
        // Two series of Radiopaedia case 10 are one patient.
        XCTAssertEqual(GroupRule.covid19CTSeg.group(folder: "images", file: "Data-1_radiopaedia_org_covid-19-pneumonia-10_85902_1-dcm_4.jpg"),
                       "radiopaedia-case-10")
        XCTAssertEqual(GroupRule.covid19CTSeg.group(folder: "images", file: "Data-1_radiopaedia_org_covid-19-pneumonia-10_85902_3-dcm_120.jpg"),
                       "radiopaedia-case-10")
    }

    /// The shipped table: the resource the rule reads, as SwiftPM put it beside the test binary.
    private func shippedTable() throws -> String {
        let path = try XCTUnwrap(UCSDPatientTable.candidatePaths().first { FileManager.default.isReadableFile(atPath: $0) },
                                 "looked in \(UCSDPatientTable.candidatePaths())")
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func testUCSDPatientTable() throws {
        let rule = try GroupRule.ucsdCovidCT
        // COVID-CT-MetaInfo.xlsx row 3: 2020.01.24.919183-p27-133.png → Patient 1.
        XCTAssertEqual(rule.group(folder: "CT_COVID", file: "2020.01.24.919183-p27-133.png"), "Patient 1")
        XCTAssertEqual(rule.group(folder: "CT_COVID", file: "2020.02.11.20021493-p16-109%1.png"), "Patient 4")
        // Not named in the sheet (only without .png): the paper's one patient, else the paper.
        XCTAssertEqual(rule.group(folder: "CT_COVID", file: "Ni2020_Article_CombinationOfWesternMedicineAn-p3-10%0.png"), "Patient 200")
        XCTAssertEqual(rule.group(folder: "CT_COVID", file: "kjr-21-e25-p1-6.png"), "paper:kjr-21-e25")
        XCTAssertEqual(rule.group(folder: "CT_COVID", file: "2020.03.26.20041426-p11-128.png"), "paper:2020.03.26.20041426")
        XCTAssertEqual(rule.group(folder: "CT_COVID", file: "PIIS0140673620301549_0%0.png"), "paper:PIIS0140673620301549_0")
        XCTAssertEqual(rule.group(folder: "CT_NonCOVID", file: "81%2.jpg"), "noncovid:81")
        XCTAssertEqual(rule.group(folder: "CT_NonCOVID", file: "102.png"), "noncovid:102")
        XCTAssertEqual(rule.group(folder: "CT_COVID", file: "new.png"), "unlisted:CT_COVID/new.png")
        XCTAssertEqual(rule.group(folder: "CT_NonCOVID", file: "2020.01.24.919183-p27-133.png"),
                       "unlisted:CT_NonCOVID/2020.01.24.919183-p27-133.png")
    }

    func testUCSDGroupingUnchangedForEveryRow() throws {
        let text = try shippedTable()
        // The bytes of the table as it was when it moved out of the code (UCSDCovidCTPatients.csv,
        // 553 rows): a changed row changes every patient-wise split. FNV-1a, 64 bits.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        XCTAssertEqual(text.utf8.count, 25979)
        XCTAssertEqual(String(hash, radix: 16), "6d6f09420fe01aeb")
        // Read plainly here (no field needs quoting), not through the rule's CSV reader.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "folder,file,group")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        // 252 COVID + 301 non-COVID images, 136 COVID groups.
        XCTAssertEqual(rows.count, 553)
        XCTAssertEqual(rows.filter { $0.first == "CT_COVID" }.count, 252)
        XCTAssertEqual(rows.filter { $0.first == "CT_NonCOVID" }.count, 301)
        XCTAssertEqual(Set(rows.filter { $0.first == "CT_COVID" }.map(\.last)).count, 136)
        let rule = try GroupRule.ucsdCovidCT
        for row in rows {
            XCTAssertEqual(row.count, 3, "\(row)")
            guard row.count == 3 else { continue }
            XCTAssertEqual(rule.group(folder: row[0], file: row[1]), row[2], "\(row[0])/\(row[1])")
        }
    }

    func testUCSDTableCoversTheImages() throws {
        let rule = try GroupRule.ucsdCovidCT
        let root = try TestData.data("slices/ucsd-covid-ct")
        var count = 0
        for folder in ["CT_COVID", "CT_NonCOVID"] {
            for url in try DatasetBuilder.imageFiles(in: root.appendingPathComponent(folder)) {
                XCTAssertFalse(rule.group(folder: folder, file: url.lastPathComponent).hasPrefix("unlisted:"), url.path)
                count += 1
            }
        }
        XCTAssertEqual(count, 553)
    }

    func testUCSDTableFailuresAreErrors() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // No table beside the executable nor in ../share/ctscreen: an error naming both places.
        XCTAssertThrowsError(try UCSDPatientTable.load(executableFolder: folder.appendingPathComponent("bin"))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("CTScreen_Datasets.resources/ucsd-covid-ct-patients.csv"), message)
            XCTAssertTrue(message.contains("share/ctscreen/ucsd-covid-ct-patients.csv"), message)
        }
        // The install layout is found.
        let share = folder.appendingPathComponent("share/ctscreen")
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        try "folder,file,group\nCT_COVID,a.png,Patient 1".write(to: share.appendingPathComponent("ucsd-covid-ct-patients.csv"),
                                                              atomically: true, encoding: .utf8)
        XCTAssertEqual(try UCSDPatientTable.load(executableFolder: folder.appendingPathComponent("bin")), ["CT_COVID/a.png": "Patient 1"])
        // Tables that must not be used: wrong header, empty group, a file twice, no rows.
        for (name, text, reason) in [
            ("header", "folder,file,patient\nCT_COVID,a.png,Patient 1", "no column 'group'"),
            ("empty", "folder,file,group\nCT_COVID,a.png,", "line 2 has an empty field"),
            ("twice", "folder,file,group\nCT_COVID,a.png,Patient 1\nCT_COVID,a.png,Patient 2", "line 3 repeats CT_COVID/a.png"),
            ("short", "folder,file,group\nCT_COVID,a.png", "line 2 has 2 fields"),
            ("none", "folder,file,group\n", "no rows"),
        ] {
            let path = folder.appendingPathComponent(name + ".csv").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try UCSDPatientTable.load(path: path), name) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(name): \(error)")
            }
        }
    }
}
