import CTScreenTestSupport
import Foundation
import Phantom
import Segmentation
import Volumes
import XCTest

/// A phantom patient scanned three times (lesions at 0.6, 1 and 1.5 times their size) through
/// `analyze --history`, then `ctscreen timeline`: the matched findings' volumes follow the
/// truth; the odd cases (no patient id, two scans on one day) give a defined result.
final class TimelineCommandTests: XCTestCase {
    func testThreeScansOfOnePhantomPatient() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let weights = try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path
        let folder = try SharedFolder.temporaryFolder("timeline-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let history = folder.appendingPathComponent("history").path
        var truth: [[Double]] = []
        for (growth, date) in [("0.6", "20200101"), ("1.0", "20200108"), ("1.5", "20200122")] {
            let phantom = folder.appendingPathComponent("phantom-\(growth)")
            let (status, _, err) = try AnalyzeTests.run(binary, [
                "phantom", "--out", phantom.path, "--slices", "100", "--matrix", "384", "--spacing", "0.9", "--thickness", "1.5",
                "--seed", "5", "--ground-glass", "3", "--lesion-room", "1.5", "--lesion-growth", growth, "--study-date", date])
            XCTAssertEqual(status, 0, err)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: phantom.appendingPathComponent("phantom.json"))) as? [String: Any]
            truth.append(((json?["lesions"] as? [[String: Any]]) ?? []).compactMap { $0["volumeCM3"] as? Double })
            let (s2, out, err2) = try AnalyzeTests.run(binary, [
                "analyze", phantom.appendingPathComponent("dicom").path, "--out", folder.appendingPathComponent("out-\(growth)").path,
                "--weights", weights, "--threads", "2", "--history", history])
            XCTAssertEqual(s2, 0, err2)
            XCTAssertTrue(out.contains("Timeline     patient PHANTOM-5: time point"), out)
        }
        XCTAssertEqual(truth.map(\.count), [3, 3, 3])
        let plot = folder.appendingPathComponent("plot.png").path
        let (status, out, err) = try AnalyzeTests.run(binary, ["timeline", "PHANTOM-5", "--history", history, "--json", "--plot", plot])
        XCTAssertEqual(status, 0, err)
        let timeline = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let points = try XCTUnwrap(timeline["points"] as? [[String: Any]])
        XCTAssertEqual(points.map { $0["day"] as? Double }, [0, 7, 21])
        XCTAssertTrue(FileManager.default.fileExists(atPath: plot))
        // Every finding is matched to its predecessor, and each scan's volumes follow the truth.
        for (n, point) in points.enumerated() {
            let findings = try XCTUnwrap(point["findings"] as? [[String: Any]])
            XCTAssertEqual(findings.count, 3, "time point \(n)")
            let measured = findings.compactMap { $0["volumeCM3"] as? Double }.sorted()
            for (m, t) in zip(measured, truth[n].sorted()) { XCTAssertEqual(m, t, accuracy: 0.1 * t, "time point \(n)") }
            if n > 0 { XCTAssertEqual(findings.compactMap { $0["previousID"] as? Int }.count, 3, "time point \(n)") }
            XCTAssertEqual(Set(findings.compactMap { $0["track"] as? Int }), [1, 2, 3])
        }
        // The table form names the change.
        let (_, table, _) = try AnalyzeTests.run(binary, ["timeline", "PHANTOM-5", "--history", history, "--plot", plot])
        XCTAssertTrue(table.contains("Patient PHANTOM-5: 3 time points"), table)
        XCTAssertTrue(table.contains("from #"), table)

        // A second scan on the last day: both kept, ordered, said.
        let (s3, _, e3) = try AnalyzeTests.run(binary, [
            "analyze", folder.appendingPathComponent("phantom-1.5/dicom").path, "--out", folder.appendingPathComponent("again").path,
            "--weights", weights, "--threads", "2", "--history", history])
        XCTAssertEqual(s3, 0, e3)
        let (_, again, _) = try AnalyzeTests.run(binary, ["timeline", "PHANTOM-5", "--history", history, "--plot", plot])
        XCTAssertTrue(again.contains("3 time points"), "the same series analysed again replaces its time point: \(again)")

        // A patient that has no studies: one clear error line.
        let (s4, _, e4) = try AnalyzeTests.run(binary, ["timeline", "NOBODY", "--history", history])
        XCTAssertEqual(s4, 1)
        XCTAssertTrue(e4.hasPrefix("ctscreen timeline: NOBODY: no studies of patient NOBODY"), e4)
    }

    /// A NIfTI volume has no patient id: analysed all the same, and the history says why it
    /// is not on a timeline.
    func testStudyWithoutPatientIDIsAnalysedAndNotAdded() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let weights = try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path
        let folder = try SharedFolder.temporaryFolder("timeline-nifti")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A small phantom chest written as NIfTI (which carries no patient id).
        var settings = PhantomSettings.small(seed: 2, groundGlass: 1)
        settings.slices = 30
        try NIfTI.write(PhantomGenerator.make(settings).volume, to: folder.appendingPathComponent("ct.nii.gz"))
        let (status, out, err) = try AnalyzeTests.run(binary, [
            "analyze", folder.appendingPathComponent("ct.nii.gz").path, "--out", folder.appendingPathComponent("out").path,
            "--weights", weights, "--threads", "2", "--history", folder.appendingPathComponent("h").path])
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(out.contains("Timeline     study ct has no patient id: not added to any timeline"), out)
    }

    /// The options this feature added, given bad values: exit status non-zero and one line
    /// naming the problem; nothing written.
    func testBadTimelineAndPhantomOptionsNameTheProblem() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let weights = try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path
        let study = try SharedFolder.existing("data/volumes/lung-pet-ct-dx-a0002-noncovid").path
        let folder = try SharedFolder.temporaryFolder("timeline-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = folder.appendingPathComponent("plain")
        try Data("x".utf8).write(to: plain)
        let out = folder.appendingPathComponent("p").path
        let cases: [([String], String)] = [
            (["phantom", "--out", out, "--study-date", "2020-01-01"], "--study-date must be YYYYMMDD"),
            (["phantom", "--out", out, "--lesion-growth", "2"], "--lesion-growth factors must be in (0, --lesion-room]"),
            (["phantom", "--out", out, "--lesion-room", "9"], "--lesion-room must be within 1...4"),
            (["analyze", study, "--out", folder.appendingPathComponent("a").path, "--weights", weights, "--threads", "2",
              "--history", plain.appendingPathComponent("h").path], plain.path),
            (["timeline", "P", "--history", plain.appendingPathComponent("h").path], "ctscreen timeline: P: "),
        ]
        for (arguments, expected) in cases {
            let (status, _, err) = try AnalyzeTests.run(binary, arguments)
            XCTAssertNotEqual(status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(err.contains(expected), "\(arguments.joined(separator: " ")): \(err)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no phantom written on a bad option")
    }
}
