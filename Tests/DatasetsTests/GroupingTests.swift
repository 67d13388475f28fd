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

    func testUCSDPatientTable() {
        // COVID-CT-MetaInfo.xlsx row 3: 2020.01.24.919183-p27-133.png → Patient 1.
        XCTAssertEqual(GroupRule.ucsdCovidCT.group(folder: "CT_COVID", file: "2020.01.24.919183-p27-133.png"), "Patient 1")
        XCTAssertEqual(GroupRule.ucsdCovidCT.group(folder: "CT_NonCOVID", file: "81%2.jpg"), "noncovid:81")
        XCTAssertEqual(GroupRule.ucsdCovidCT.group(folder: "CT_COVID", file: "new.png"), "unlisted:CT_COVID/new.png")
        // The table covers 252 COVID + 301 non-COVID files.
        XCTAssertEqual(UCSDCovidCTPatients.csv.split(separator: "\n").count, 1 + 553)
    }
}
