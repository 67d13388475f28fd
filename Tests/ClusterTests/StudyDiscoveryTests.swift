import Foundation
import Volumes
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
        XCTAssertEqual(flat.count, 3, "\(flat.map(\.label))")
        XCTAssertFalse(flat.contains { $0.source.hasSuffix(".nii.gz") }, "NIfTI files need --recursive")

        let deep = try StudyDiscovery.find([root.path], recursive: true)
        XCTAssertEqual(deep.count, 4, "\(deep.map(\.label))")
        XCTAssertEqual(Set(deep.map(\.studyID)).count, 4, "study ids are unique")
        let niftiStudy = try XCTUnwrap(deep.first { $0.source.hasSuffix("site-c/volumes/ct.nii.gz") })
        XCTAssertEqual(niftiStudy.label, "ct")
        XCTAssertTrue(niftiStudy.studyID.hasPrefix("nii-"), niftiStudy.studyID)
        XCTAssertEqual(niftiStudy.studyID, try StudyIDs.nifti(file: nifti.path).studyID, "a NIfTI id is its content's, not its path's")
        let single = try XCTUnwrap(deep.first { $0.source.hasSuffix("site-a/2026-11/patient-1") })
        XCTAssertEqual(single.label, "patient-1")
        XCTAssertTrue(single.studyID.hasPrefix("dcm-"), single.studyID)
        XCTAssertEqual(single.patientID, "MIDRC-RICORD-1A-419639-000082")
        let mixed = deep.filter { $0.source.contains("site-b/mixed" + FileStudyReader.seriesMarker) }
        XCTAssertEqual(mixed.count, 2, "two series of one folder are named by UID")
        XCTAssertTrue(deep.allSatisfy { Keys.isValidID($0.studyID) && Keys.isValidID($0.label) })

        // Every source reads back as its own series.
        var slices: [String: Int] = [:]
        for study in deep { slices[study.label] = try FileStudyReader().read([study.source]).size.slices }
        XCTAssertEqual(slices["patient-1"], 64)
        XCTAssertEqual(mixed.map { slices[$0.label] ?? 0 }.sorted(), [20, 30])
        XCTAssertEqual(slices["ct"], try FileStudyReader().read([nifti.path]).size.slices)
    }

    /// Two sites' `…/CT` folders holding different series get two ids (same label); the same
    /// series found under two paths (or copied under another name) gets one id.
    func testIDsNameTheSeriesNotTheFolder() throws {
        let dir = try StudyFixtures.temporaryFolder("discovery-ids")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("site-a/CT"), slices: 12, brightness: 120)
        let b = try StudyFixtures.writeSeries(to: dir.appendingPathComponent("site-b/CT"), slices: 12, brightness: 120)
        let foundA = try XCTUnwrap(try StudyDiscovery.find([a.path], recursive: false).first)
        let foundB = try XCTUnwrap(try StudyDiscovery.find([b.path], recursive: false).first)
        XCTAssertEqual(foundA.label, "CT")
        XCTAssertEqual(foundB.label, "CT")
        XCTAssertNotEqual(foundA.studyID, foundB.studyID, "same folder name, different series: two ids")
        XCTAssertNotEqual(foundA.identity, foundB.identity)
        let both = try StudyDiscovery.find([a.path, b.path], recursive: false)
        XCTAssertEqual(Set(both.map(\.studyID)), [foundA.studyID, foundB.studyID], "one call finds both, with the same ids")

        // The same series under another path and name: the same id, listed once per call.
        let copy = dir.appendingPathComponent("resent/chest")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: a, to: copy)
        let foundCopy = try XCTUnwrap(try StudyDiscovery.find([copy.path], recursive: false).first)
        XCTAssertEqual(foundCopy.studyID, foundA.studyID, "an id is stable for the series it names")
        XCTAssertEqual(foundCopy.label, "chest")
        let twice = try StudyDiscovery.find([a.path, copy.path], recursive: false)
        XCTAssertEqual(twice.map(\.studyID), [foundA.studyID], "a series found twice is one study")
        XCTAssertEqual(twice.first?.source, a.path)

        // NIfTI: by content, not by name.
        let vol = try FileStudyReader().read([a.path])
        let n1 = dir.appendingPathComponent("n1/ct.nii.gz"), n2 = dir.appendingPathComponent("n2/ct.nii.gz")
        let n3 = dir.appendingPathComponent("n3/other-name.nii.gz")
        for f in [n1, n2, n3] { try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true) }
        try NIfTI.write(vol, to: n1)
        var other = vol
        other.voxels[0] &+= 1
        try NIfTI.write(other, to: n2)
        try FileManager.default.copyItem(at: n1, to: n3)
        let ids = try [n1, n2, n3].map { try XCTUnwrap(try StudyDiscovery.find([$0.path], recursive: false).first).studyID }
        XCTAssertNotEqual(ids[0], ids[1], "same file name, different content: two ids")
        XCTAssertEqual(ids[0], ids[2], "same content under another name: one id")
    }

    func testOutputFolderNamesArePerIDAndAttempt() {
        XCTAssertEqual(StudyIDs.folderName(studyID: "dcm-0a", label: "CT", attempt: 1), "CT--dcm-0a")
        XCTAssertEqual(StudyIDs.folderName(studyID: "dcm-0a", label: "CT", attempt: 2), "CT--dcm-0a--a2")
        XCTAssertEqual(StudyIDs.folderName(studyID: "dcm-0a", label: nil, attempt: 1), "dcm-0a")
        XCTAssertEqual(StudyIDs.folderName(studyID: "dcm-0a", label: "", attempt: 3), "dcm-0a--a3")
        XCTAssertEqual(StudyIDs.folderName(studyID: "dcm-0a", label: "a/../b", attempt: 1), "a_.._b--dcm-0a")
    }
}
