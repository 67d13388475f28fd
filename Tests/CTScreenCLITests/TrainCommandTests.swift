import CTScreenTestSupport
import Datasets
import Foundation
import NeuralEngine
import XCTest
@testable import CTScreenCLI

/// `ctscreen train` on a few UCSD images with the narrow fixture model at 64×64: two epochs in
/// one run give the same weights, byte for byte, as one epoch plus one resumed epoch.
final class TrainCommandTests: XCTestCase {
    /// The debug binary, the UCSD images and the fixture model (skips when data is missing).
    func inputs() throws -> (binary: URL, ucsd: String, model: String) {
        (try AnalyzeTests.binary(configuration: "debug"), try SharedFolder.existing("data/slices/ucsd-covid-ct").path,
         try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path)
    }

    func testTwoEpochsEqualOnePlusResume() throws {
        let (binary, ucsd, model) = try inputs()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-train-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let a = tmp.appendingPathComponent("straight").path, b = tmp.appendingPathComponent("resumed").path
        let common = ["train", "--ucsd", ucsd, "--max-steps", "2", "--limit", "6", "--batch-size", "4",
                      "--input-size", "64", "--threads", "1", "--lr", "1e-3"]
        let (s1, out1, err1) = try AnalyzeTests.run(binary, common + ["--init", model, "--out", a, "--epochs", "2"])
        XCTAssertEqual(s1, 0, err1)
        let lines = out1.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        XCTAssertEqual(lines.count, 2, out1)
        XCTAssertTrue(lines.allSatisfy { $0.contains("loss ") && $0.contains("validation AUC") }, out1)
        let (s2, _, err2) = try AnalyzeTests.run(binary, common + ["--init", model, "--out", b, "--epochs", "1"])
        XCTAssertEqual(s2, 0, err2)
        let (s3, out3, err3) = try AnalyzeTests.run(binary, common + ["--out", b, "--epochs", "2", "--resume"])
        XCTAssertEqual(s3, 0, err3)
        XCTAssertTrue(out3.contains("resuming after epoch 1"), out3)
        XCTAssertEqual(out3.split(separator: "\n").filter { $0.hasPrefix("epoch 2:") }.count, 1, out3)
        for file in ["model.safetensors", "checkpoint.safetensors"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a).appendingPathComponent(file))
            let y = try Data(contentsOf: URL(fileURLWithPath: b).appendingPathComponent(file))
            XCTAssertEqual(x, y, "\(file) differs between 2 epochs and 1 + resumed 1")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: a + "/model-f16.safetensors"))

        // best-f16 holds the epoch with the highest validation AUC (the first of equals), the
        // same after a resume.
        let aucs = lines.map { line -> Double in
            Double(line.components(separatedBy: "validation AUC ").last?.prefix(6) ?? "") ?? -1
        }
        let bestEpoch = aucs.count == 2 && aucs[1] > aucs[0] ? 2 : 1
        let bestFile = try SafetensorsFile(path: a + "/best-f16.safetensors")
        XCTAssertEqual(bestFile.metadata["epochs"], String(bestEpoch), "validation AUCs \(aucs)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a + "/best-f16.safetensors")),
                       try Data(contentsOf: URL(fileURLWithPath: b + "/best-f16.safetensors")))

        // convert-weights turns the run's F32 weights into the run's own F16 file, byte for byte.
        let converted = tmp.appendingPathComponent("converted.safetensors").path
        let (s5, _, err5) = try AnalyzeTests.run(binary, ["convert-weights", a + "/model.safetensors", converted,
                                                          "--dtype", "f16", "--metadata", "epochs=2"])
        XCTAssertEqual(s5, 0, err5)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: converted)),
                       try Data(contentsOf: URL(fileURLWithPath: a + "/model-f16.safetensors")))

        // Resuming with other data is refused with a clear message.
        let (s4, _, err4) = try AnalyzeTests.run(binary, common.map { $0 == "6" ? "5" : $0 } + ["--out", b, "--epochs", "3", "--resume"])
        XCTAssertEqual(s4, 1)
        XCTAssertTrue(err4.contains("training samples"), err4)
    }

    /// With --train-batchnorm-statistics the run moves the running statistics it saves; a
    /// resume must keep the setting.
    func testBatchNormStatisticsAreTrainedAndKeptOnResume() throws {
        let (binary, ucsd, model) = try inputs()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-bn-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let common = ["train", "--ucsd", ucsd, "--max-steps", "2", "--limit", "6", "--batch-size", "4",
                      "--input-size", "64", "--threads", "1", "--out", out]
        let (s1, _, err1) = try AnalyzeTests.run(binary, common + ["--init", model, "--epochs", "1", "--train-batchnorm-statistics"])
        XCTAssertEqual(s1, 0, err1)
        let before = try SafetensorsFile(path: model).tensor("layer2.0.bn1.running_mean").data
        let after = try SafetensorsFile(path: out + "/model.safetensors").tensor("layer2.0.bn1.running_mean").data
        XCTAssertGreaterThan(zip(before, after).map { abs($0 - $1) }.max() ?? 0, 1e-4, "running statistics unchanged")

        let (s2, _, err2) = try AnalyzeTests.run(binary, common + ["--epochs", "2", "--resume"])
        XCTAssertEqual(s2, 1)
        XCTAssertTrue(err2.contains("--train-batchnorm-statistics"), err2)
    }

    /// --lesion-paste takes every other COVID-19-CT-Seg patient as donors and lists them.
    func testLesionPasteListsItsDonorVolumes() throws {
        let (binary, ucsd, model) = try inputs()
        let ctseg = try SharedFolder.existing("data/slices/covid19-ct-seg").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-paste-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, stdout, stderr) = try AnalyzeTests.run(binary, [
            "train", "--ucsd", ucsd, "--lesion-paste", ctseg, "--lesion-paste-probability", "1", "--max-steps", "1",
            "--limit", "4", "--batch-size", "4", "--input-size", "64", "--threads", "1", "--init", model, "--out", out,
            "--epochs", "1"])
        XCTAssertEqual(status, 0, stderr)
        let donors = try String(contentsOfFile: out + "/lesion-donors.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(donors.count, 6, "6 of the 13 patients (two Radiopaedia cases have two series)")
        XCTAssertTrue(donors.allSatisfy { $0.hasPrefix("covid19-ct-seg/") }, "\(donors)")
        XCTAssertTrue(stdout.contains("lesion paste: ") && stdout.contains("from 6 of 13 patients"), stdout)
    }

    /// Bad --lesion-paste inputs each give one clear error line: a probability outside
    /// (0, 1], a folder that is not there, a donors' list that cannot be written.
    func testLesionPasteBadInputsGiveOneClearErrorLine() throws {
        let (binary, ucsd, model) = try inputs()
        let ctseg = try SharedFolder.existing("data/slices/covid19-ct-seg").path
        let out = try SharedFolder.temporaryFolder("paste-errors")
        defer { try? FileManager.default.removeItem(at: out) }
        let common = ["train", "--ucsd", ucsd, "--max-steps", "1", "--limit", "4", "--batch-size", "4", "--input-size", "64",
                      "--threads", "1", "--init", model, "--epochs", "1"]
        // the list's path taken by a folder: the write fails
        let blocked = out.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("lesion-donors.txt"),
                                                withIntermediateDirectories: true)
        for (arguments, expected) in [
            (["--lesion-paste", ctseg, "--lesion-paste-probability", "0", "--out", out.path], "--lesion-paste-probability must be in (0, 1]"),
            (["--lesion-paste", "/nonexistent/ct-seg", "--out", out.path], "/nonexistent/ct-seg"),
            (["--lesion-paste", ctseg, "--out", blocked.path], "cannot write the lesion donors' list"),
        ] {
            let (status, _, err) = try AnalyzeTests.run(binary, common + arguments)
            XCTAssertNotEqual(status, 0, "\(arguments)")
            XCTAssertTrue(err.contains(expected), "\(arguments): \(err)")
            XCTAssertEqual(err.split(separator: "\n").filter { $0.hasPrefix("ctscreen train: ") || $0.hasPrefix("Error") }.count, 1, err)
        }
    }

    /// Bad split and stage inputs each give one clear error line: forced groups that no
    /// sample has, held stages without --init.
    func testSplitAndStageBadInputsGiveOneClearErrorLine() throws {
        let (binary, ucsd, model) = try inputs()
        let out = try SharedFolder.temporaryFolder("split-errors")
        defer { try? FileManager.default.removeItem(at: out) }
        let common = ["train", "--ucsd", ucsd, "--max-steps", "1", "--limit", "4", "--batch-size", "4", "--input-size", "64",
                      "--threads", "1", "--epochs", "1", "--out", out.path]
        for (arguments, expected) in [
            (["--init", model, "--test-group", "covid-ct-md/p001-covid"], "no group named 'covid-ct-md/p001-covid'"),
            (["--init", model, "--train-group", "nope", "--test-group", "nope"], "no group named 'nope'"),
            (["--train-from", "layer4"], "--train-from layer4 holds stages at their initial weights: give --init"),
        ] {
            let (status, _, err) = try AnalyzeTests.run(binary, common + arguments)
            XCTAssertNotEqual(status, 0, "\(arguments)")
            XCTAssertTrue(err.contains(expected), "\(arguments): \(err)")
            XCTAssertEqual(err.split(separator: "\n").filter { $0.hasPrefix("ctscreen train: ") || $0.hasPrefix("Error") }.count, 1, err)
        }
    }

    /// --cam-loss-weight trains with the CAM term on pasted lesions and says how much of the
    /// positive CAM mass lay outside them, on layer4's map or (--cam-loss-map grad-cam) the
    /// pipeline's; a resume must keep the map; bad values, a run without any known lesion and
    /// the Grad-CAM map with layer2 held are refused with one error line.
    func testCAMLossWeight() throws {
        let (binary, ucsd, model) = try inputs()
        let ctseg = try SharedFolder.existing("data/slices/covid19-ct-seg").path
        let out = try SharedFolder.temporaryFolder("cam-loss")
        defer { try? FileManager.default.removeItem(at: out) }
        let common = ["train", "--ucsd", ucsd, "--max-steps", "1", "--limit", "4", "--batch-size", "4", "--input-size", "64",
                      "--threads", "1", "--init", model, "--epochs", "1", "--out", out.path]
        let (status, stdout, stderr) = try AnalyzeTests.run(binary, common + [
            "--lesion-paste", ctseg, "--lesion-paste-probability", "1", "--cam-loss-weight", "1"])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(stdout.contains("CAM mass outside lesions"), stdout)
        let (plainStatus, plainOut, plainErr) = try AnalyzeTests.run(binary, common + ["--lesion-paste", ctseg])
        XCTAssertEqual(plainStatus, 0, plainErr)
        XCTAssertFalse(plainOut.contains("CAM mass"), "the default (0) is BCE alone: \(plainOut)")
        // On the pipeline's Grad-CAM maps: trains, and the checkpoint remembers the map.
        let gradCAM = common + ["--lesion-paste", ctseg, "--lesion-paste-probability", "1", "--cam-loss-weight", "1"]
        let (gStatus, gOut, gErr) = try AnalyzeTests.run(binary, gradCAM + ["--cam-loss-map", "grad-cam"])
        XCTAssertEqual(gStatus, 0, gErr)
        XCTAssertTrue(gOut.contains("CAM mass outside lesions"), gOut)
        let resume = gradCAM.filter { $0 != "--init" && $0 != model } + ["--resume"]
        let (rStatus, _, rErr) = try AnalyzeTests.run(binary, resume)
        XCTAssertNotEqual(rStatus, 0)
        XCTAssertTrue(rErr.contains("trained with --cam-loss-map grad-cam; resume with the same map"), rErr)
        for (arguments, expected) in [
            (["--cam-loss-weight=-1"], "--cam-loss-weight must be ≥ 0"),
            (["--cam-loss-weight", "1"], "--cam-loss-weight needs slices with known lesions"),
            (["--cam-loss-map", "grad-cam", "--train-from", "layer3"], "--cam-loss-map grad-cam acts on layer2's and layer3's outputs"),
            (["--cam-loss-map", "grad-cam-cover", "--train-from", "layer4"], "--cam-loss-map grad-cam-cover acts on layer2's and layer3's outputs"),
            (["--cam-loss-map", "grad-cam", "--cam-cover-weight", "2"], "--cam-cover-weight needs --cam-loss-map grad-cam-cover"),
            (["--cam-loss-map", "grad-cam-cover", "--cam-cover-weight=-1"], "--cam-cover-weight must be ≥ 0"),
        ] {
            let (status, _, err) = try AnalyzeTests.run(binary, common + arguments)
            XCTAssertNotEqual(status, 0, "\(arguments)")
            XCTAssertTrue(err.contains(expected), "\(arguments): \(err)")
            XCTAssertEqual(err.split(separator: "\n").filter { $0.hasPrefix("ctscreen train: ") || $0.hasPrefix("Error") }.count, 1, err)
        }
    }

    /// --split-seed keeps the split while --seed changes the rest: the same splits.json as the
    /// run with that seed alone, other weights; without it the seed moves the split too.
    func testSplitSeedKeepsTheSplit() throws {
        let (binary, ucsd, model) = try inputs()
        let out = try SharedFolder.temporaryFolder("split-seed")
        defer { try? FileManager.default.removeItem(at: out) }
        let common = ["train", "--ucsd", ucsd, "--max-steps", "1", "--batch-size", "4", "--input-size", "64", "--max-per-group", "4",
                      "--threads", "1", "--init", model, "--epochs", "1"]
        var files: [String: (splits: [String: Dataset], weights: Data)] = [:]
        for (name, seeds) in [("one", ["--seed", "1"]), ("two-on-one", ["--seed", "2", "--split-seed", "1"]), ("two", ["--seed", "2"])] {
            let dir = out.appendingPathComponent(name)
            let (status, _, err) = try AnalyzeTests.run(binary, common + seeds + ["--out", dir.path])
            XCTAssertEqual(status, 0, err)
            files[name] = (try JSONDecoder().decode([String: Dataset].self, from: Data(contentsOf: dir.appendingPathComponent("splits.json"))),
                           try Data(contentsOf: dir.appendingPathComponent("model.safetensors")))
        }
        XCTAssertEqual(files["two-on-one"]!.splits, files["one"]!.splits)
        XCTAssertNotEqual(files["two-on-one"]!.weights, files["one"]!.weights, "the seed still shapes the training")
        XCTAssertNotEqual(files["two"]!.splits, files["one"]!.splits, "without --split-seed the seed deals the split")
    }

    /// --train-on-donors and --validation-donor: the paste donors' slices join training, the
    /// validation donor's join validation only, the test split is the one a run without them
    /// deals, the donors' list still names all six, the validation CAM share is logged and
    /// --keep-epoch-weights keeps the epoch's weights; --lesion-erase-probability reaches the
    /// donors' masked positives. A volume that is not a donor (unseen test data), the options
    /// without --lesion-paste, erasing without masked positives or out of [0, 1], and a resume
    /// with another erase probability are refused with one error line.
    func testLesionDonorsInTrainingAndValidation() throws {
        let (binary, ucsd, model) = try inputs()
        let ctseg = try SharedFolder.existing("data/slices/covid19-ct-seg").path
        let out = try SharedFolder.temporaryFolder("donors")
        defer { try? FileManager.default.removeItem(at: out) }
        let common = ["train", "--ucsd", ucsd, "--max-steps", "1", "--batch-size", "4", "--input-size", "64", "--max-per-group", "20",
                      "--threads", "1", "--init", model, "--epochs", "1", "--lesion-paste", ctseg, "--lesion-paste-probability", "1"]
        let plainOut = out.appendingPathComponent("plain").path, donorOut = out.appendingPathComponent("donors").path
        let (s0, _, e0) = try AnalyzeTests.run(binary, common + ["--out", plainOut])
        XCTAssertEqual(s0, 0, e0)
        let (s1, stdout, e1) = try AnalyzeTests.run(binary, common + [
            "--out", donorOut, "--train-on-donors", "--validation-donor", "covid19-ct-seg/coronacases_org_008",
            "--cam-loss-weight", "1", "--keep-epoch-weights", "--lesion-erase-probability", "1"])
        XCTAssertEqual(s1, 0, e1)
        XCTAssertTrue(stdout.contains("lesion erase: probability 1.0 on the 93 masked positive training slices"), stdout)
        func splits(_ dir: String) throws -> [String: Dataset] {
            try JSONDecoder().decode([String: Dataset].self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/splits.json")))
        }
        let plain = try splits(plainOut), donors = try splits(donorOut)
        XCTAssertEqual(donors["test"], plain["test"], "the test split does not move")
        let trainGroups = Set(donors["train"]!.samples.map(\.group)), validationGroups = Set(donors["validation"]!.samples.map(\.group))
        XCTAssertFalse(trainGroups.contains("covid19-ct-seg/coronacases_org_008"))
        XCTAssertTrue(validationGroups.contains("covid19-ct-seg/coronacases_org_008"))
        XCTAssertEqual(Set(trainGroups.filter { $0.hasPrefix("covid19-ct-seg/") }),
                       ["covid19-ct-seg/coronacases_org_002", "covid19-ct-seg/coronacases_org_004", "covid19-ct-seg/coronacases_org_006",
                        "covid19-ct-seg/radiopaedia-case-27", "covid19-ct-seg/radiopaedia-case-4"] as Set<String>)
        XCTAssertEqual(donors["validation"]!.samples.filter { $0.group == "covid19-ct-seg/coronacases_org_008" }.count, 20)
        XCTAssertEqual(try String(contentsOfFile: donorOut + "/lesion-donors.txt", encoding: .utf8).split(separator: "\n").count, 6)
        XCTAssertTrue(stdout.contains("from 5 of 13 patients"), stdout)
        XCTAssertTrue(stdout.contains("validation CAM mass outside lesions"), stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: donorOut + "/epoch-1-f16.safetensors"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: plainOut + "/epoch-1-f16.safetensors"))
        for (arguments, expected) in [
            (common + ["--out", donorOut, "--validation-donor", "covid19-ct-seg/coronacases_org_001"], "is not a lesion donor volume"),
            (["train", "--ucsd", ucsd, "--init", model, "--out", donorOut, "--train-on-donors"], "need --lesion-paste"),
            (common + ["--out", donorOut, "--lesion-erase-probability", "0.5"], "--lesion-erase-probability needs masked positives in training"),
            (common + ["--out", donorOut, "--train-on-donors", "--lesion-erase-probability", "1.5"], "--lesion-erase-probability must be in [0, 1]"),
            (common.filter { $0 != "--init" && $0 != model } + [
                "--out", donorOut, "--train-on-donors", "--validation-donor", "covid19-ct-seg/coronacases_org_008",
                "--cam-loss-weight", "1", "--resume", "--lesion-erase-probability", "0.5"],
             "trained with --lesion-erase-probability 1.0; resume with the same probability"),
        ] {
            let (status, _, err) = try AnalyzeTests.run(binary, arguments)
            XCTAssertNotEqual(status, 0, "\(arguments)")
            XCTAssertTrue(err.contains(expected), "\(arguments): \(err)")
            XCTAssertEqual(err.split(separator: "\n").filter { $0.hasPrefix("ctscreen train: ") || $0.hasPrefix("Error") }.count, 1, err)
        }
    }
}
