import Foundation
import XCTest
import Timeline
@testable import Cluster

/// The cluster's timeline store keeps a bounded time point: the largest findings only.
final class RedisTimelineStoreTests: XCTestCase {
    func testLargestFindingsKeptAndPointsReadBack() throws {
        let t = InMemoryTransport()
        let json = """
        {"patientID": "P^1", "key": "1.2.3", "studyID": "s", "studyInstanceUID": "1.2", "studyDate": "20200101",
         "studyTime": "", "coronaScore": 1, "positiveRatio": 0.1, "reportPath": "/r", "findings": []}
        """
        var point = try JSONDecoder().decode(TimePoint.self, from: Data(json.utf8))
        point.findings = (1...150).map {
            TimePoint.Finding(id: $0, volumeCM3: Double($0), longestDiameterMM: 5, centreLPS: [0, 0, 0], kind: "solid", side: "left")
        }
        let store = RedisTimelineStore(transport: t)
        try store.add(point)
        let back = try store.timePoints(patient: "P^1")
        XCTAssertEqual(back.count, 1)
        XCTAssertEqual(back[0].findings.count, ClusterDefaults.timelineFindingCap)
        XCTAssertEqual(back[0].findings.map(\.volumeCM3).min(), 51)
        // A PatientID with characters outside the key alphabet is hashed into the key.
        XCTAssertTrue(t.keys.timeline("P^1").hasPrefix("ctscreen:timeline:h-"))
        XCTAssertEqual(t.keys.timeline("PHANTOM-5"), "ctscreen:timeline:PHANTOM-5")
    }
}
