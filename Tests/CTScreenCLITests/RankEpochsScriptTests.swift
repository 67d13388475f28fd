import CTScreenTestSupport
import Foundation
import XCTest

/// `Scripts/default-model/rank-epochs` (the model card's epoch-choice rules) on a hand-made run of
/// three epochs: validation AUC 0.99, 0.95, 0.95; donors' median heat 2, 5, 3; MedSeg validation
/// median heat 1, 4, 3.5. By AUC alone epoch 1 (ranks 1, 2.5, 2.5); by all three epoch 2
/// (sums 7, 4.5, 6.5). Named files are ranked with AUCs from their whole-split scores. An unknown
/// measure and a missing validation CSV are refused by name.
final class RankEpochsScriptTests: XCTestCase {
    func testRanksAndChoice() throws {
        let run = try SharedFolder.temporaryFolder("rank-epochs")
        defer { try? FileManager.default.removeItem(at: run) }
        let folder = run.appendingPathComponent("validation-donors")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let header = "id,label,score,dataset,patient,heat_in_lesion,heat_in_rest_of_lung,peak_in_lesion,lesion_counted,rest_of_lung_counted\n"
        for (epoch, auc, donors, medseg) in [(1, "0.99", 2.0, 1.0), (2, "0.95", 5.0, 4.0), (3, "0.95", 3.0, 3.5)] {
            // A safetensors file with metadata and no tensors: 8-byte header length, JSON header.
            let json = Data("{\"__metadata__\":{\"validation_auc\":\"\(auc)\"}}".utf8)
            var file = Data()
            withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
            file.append(json)
            try file.write(to: run.appendingPathComponent("epoch-\(epoch)-f16.safetensors"))
            // Three masked rows each; the median ratio is the middle one.
            for (name, heat) in [("epoch-\(epoch)-f16.csv", donors), ("epoch-\(epoch)-f16-medseg.csv", medseg)] {
                let rows = [heat / 2, heat, heat * 4].map { "a,1,0.9,d,p,\($0),1,1,0.1,0\n" }.joined()
                try (header + rows).write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        let script = SharedFolder.repositoryRoot.appendingPathComponent("Scripts/default-model/rank-epochs")
        func rank(_ measures: String) throws -> (Int32, String, String) {
            try AnalyzeTests.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, run.path, measures])
        }
        let (s1, byAUC, e1) = try rank("auc")
        XCTAssertEqual(s1, 0, e1)
        XCTAssertTrue(byAUC.hasSuffix("chosen: epoch 1\n"), byAUC)
        XCTAssertTrue(byAUC.contains("epoch 2: auc 0.95 (rank 2.5)"), byAUC)
        let (s2, all, e2) = try rank("auc,donors-heat,medseg-heat")
        XCTAssertEqual(s2, 0, e2)
        XCTAssertTrue(all.contains("epoch 2: auc 0.95 (rank 2.5), donors-heat 5 (rank 1), medseg-heat 4 (rank 1); sum 4.5"), all)
        XCTAssertTrue(all.contains("epoch 3: auc 0.95 (rank 2.5), donors-heat 3 (rank 2), medseg-heat 3.5 (rank 2); sum 6.5"), all)
        XCTAssertTrue(all.hasSuffix("chosen: epoch 2\n"), all)
        let (s3, _, e3) = try rank("auc,heat")
        XCTAssertNotEqual(s3, 0)
        XCTAssertTrue(e3.contains("unknown measure(s) heat"), e3)
        // Named files (a weight average beside an epoch): AUCs from their whole-split scores, the
        // same way for both. Epoch 2 scores 2 of its 4 pairs right (0.5), the average 3 of 4
        // (0.75), so with equal heat elsewhere the average is chosen, whatever the metadata says.
        for (name, scores) in [("epoch-2-f16", [0.9, 0.2, 0.5, 0.8]), ("soup", [0.9, 0.7, 0.5, 0.8])] {
            let rows = zip([1, 1, 0, 0], scores).map { "s,\($0),\($1),d,p,,,,,\n" }.joined()
            try (header + rows).write(to: folder.appendingPathComponent("\(name)-validation.csv"), atomically: true, encoding: .utf8)
        }
        for name in ["soup.csv", "soup-medseg.csv"] {
            try FileManager.default.copyItem(at: folder.appendingPathComponent(name == "soup.csv" ? "epoch-2-f16.csv" : "epoch-2-f16-medseg.csv"),
                                             to: folder.appendingPathComponent(name))
        }
        let named = ["epoch-2-f16.safetensors", "soup.safetensors"].map { run.appendingPathComponent($0).path }
        let (s5, files, e5) = try AnalyzeTests.run(URL(fileURLWithPath: "/usr/bin/env"),
                                                   ["python3", script.path, run.path, "auc,donors-heat,medseg-heat"] + named)
        XCTAssertEqual(s5, 0, e5)
        XCTAssertTrue(files.contains("soup: auc 0.75 (rank 1), donors-heat 5 (rank 1.5), medseg-heat 4 (rank 1.5); sum 4"), files)
        XCTAssertTrue(files.contains("epoch-2-f16: auc 0.5 (rank 2)"), files)
        XCTAssertTrue(files.hasSuffix("chosen: soup\n"), files)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("soup-validation.csv"))
        let (s6, _, e6) = try AnalyzeTests.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, run.path, "auc"] + named)
        XCTAssertNotEqual(s6, 0)
        XCTAssertTrue(e6.contains("soup-validation.csv missing: run Scripts/default-model/evaluate-validation-donors --whole-split first"), e6)

        // Without the validation CSVs: the message names the file and the script that makes it.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("epoch-2-f16-medseg.csv"))
        let (s4, _, e4) = try rank("auc,medseg-heat")
        XCTAssertNotEqual(s4, 0)
        XCTAssertTrue(e4.contains("epoch-2-f16-medseg.csv missing: run Scripts/default-model/evaluate-validation-donors first"), e4)
    }
}
