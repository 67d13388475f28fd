import Foundation
import XCTest
@testable import Cluster

/// What `submit` finds in a nested drop folder: every DICOM series at any depth, NIfTI files
/// only with --recursive, and two series sharing a folder named by their UID; every source
/// it returns reads back as the right volume.
final class StudyDiscoveryTests: XCTestCase {
    func testNestedFolderFindsEverySeriesAndNIfTIOnlyWhenRecursive() throws {
        let shared = ClusterHarness.shared.appendingPathComponent("data")
        let nonCOVID = shared.appendingPathComponent("volumes/lung-pet-ct-dx-a0002-noncovid")
        let nifti = shared.appendingPathComponent("dicom-samples/totalsegmentator-example-ct.nii.gz")
        let j2k = shared.appendingPathComponent("dicom-samples/totalsegmentator-j2k-series")
        let sample = ClusterHarness.repoRoot.appendingPathComponent("Samples/ricord-1a-000082-covid-every4th")
        let fm = FileManager.default
        guard [nonCOVID, nifti, j2k, sample].allSatisfy({ fm.fileExists(atPath: $0.path) }) else {
            throw XCTSkip("sample data not found under \(shared.path)")
        }
        let root = fm.temporaryDirectory.appendingPathComponent("ctscreen-drop-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        func copy(_ folder: URL, into target: URL) throws {
            try fm.createDirectory(at: target, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: folder.path) {
                try fm.copyItem(at: folder.appendingPathComponent(name), to: target.appendingPathComponent(name))
            }
        }
        // site-a/2026-11/patient-1/: one series three levels down.
        try copy(sample, into: root.appendingPathComponent("site-a/2026-11/patient-1"))
        // site-b/mixed/: two series in one folder.
        try copy(nonCOVID, into: root.appendingPathComponent("site-b/mixed"))
        try copy(j2k, into: root.appendingPathComponent("site-b/mixed"))
        // site-d/resent/: the same images as site-a again, left out as copies.
        try copy(sample, into: root.appendingPathComponent("site-d/resent"))
        // site-c/volumes/ct.nii.gz: a NIfTI study two levels down.
        try fm.createDirectory(at: root.appendingPathComponent("site-c/volumes"), withIntermediateDirectories: true)
        try fm.copyItem(at: nifti, to: root.appendingPathComponent("site-c/volumes/ct.nii.gz"))

        let flat = try StudyDiscovery.find([root.path], recursive: false)
        XCTAssertEqual(flat.count, 3, "\(flat.map(\.studyID))")
        XCTAssertFalse(flat.contains { $0.source.hasSuffix(".nii.gz") }, "NIfTI files need --recursive")

        let deep = try StudyDiscovery.find([root.path], recursive: true)
        XCTAssertEqual(deep.count, 4, "\(deep.map(\.studyID))")
        XCTAssertEqual(Set(deep.map(\.studyID)).count, 4, "study ids are unique")
        let niftiStudy = try XCTUnwrap(deep.first { $0.source.hasSuffix("site-c/volumes/ct.nii.gz") })
        XCTAssertEqual(niftiStudy.studyID, "ct")
        let single = try XCTUnwrap(deep.first { $0.source.hasSuffix("site-a/2026-11/patient-1") })
        XCTAssertEqual(single.studyID, "patient-1")
        XCTAssertEqual(single.patientID, "MIDRC-RICORD-1A-419639-000082")
        let mixed = deep.filter { $0.source.contains("site-b/mixed" + FileStudyReader.seriesMarker) }
        XCTAssertEqual(mixed.count, 2, "two series of one folder are named by UID")

        // Every source reads back as its own series.
        var slices: [String: Int] = [:]
        for study in deep { slices[study.studyID] = try FileStudyReader().read([study.source]).size.slices }
        XCTAssertEqual(slices["patient-1"], 64)
        XCTAssertEqual(mixed.map { slices[$0.studyID] ?? 0 }.sorted(), [20, 30])
        XCTAssertEqual(slices["ct"], try FileStudyReader().read([nifti.path]).size.slices)
    }
}
