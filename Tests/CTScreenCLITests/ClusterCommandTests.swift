import ArgumentParser
import Clustering
import Foundation
import Screening
import XCTest
@testable import CTScreenCLI

/// `ctscreen cluster` over study outputs made here: three studies whose slices come from two
/// well-separated groups of feature vectors (bright and dark thumbnails) must come out as two
/// clusters, the same way on every run with the same seed, with readable pictures.
final class ClusterCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    /// A study folder with `groups[i]` (0 or 1) for slice i: group 1 sits 10 apart in
    /// every dimension, with small seeded noise; group 1's thumbnails are white.
    private func writeStudy(_ name: String, groups: [Int], seed: UInt64) throws {
        let folder = dir.appendingPathComponent("site/\(name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var state = seed
        func noise() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) - 0.5 }
        let d = 16
        let features = groups.flatMap { g in (0..<d).map { j in Float(g * 10) + Float(j % 3) + noise() } }
        let thumbnails = groups.flatMap { g in [UInt8](repeating: g == 1 ? 250 : 20, count: 64 * 64) }
        try NPYFile.write(.float16(features, shape: [groups.count, d]), to: folder.appendingPathComponent("features.npy"))
        try NPYFile.write(.uint8(thumbnails, shape: [groups.count, 64, 64]), to: folder.appendingPathComponent("thumbnails.npy"))
        let slices = groups.enumerated().map { i, g in
            "{\"index\": \(10 + i), \"probability\": \(g == 1 ? 0.9 : 0.1), \"positive\": \(g == 1), \"logit\": 0}"
        }
        let report = """
        {"study": {"studyID": "id-\(name)", "label": "\(name)"}, "slices": [\(slices.joined(separator: ","))],
         "outputs": {"features": "features.npy", "thumbnails": "thumbnails.npy", "report": "report.json"}}
        """
        try report.write(to: folder.appendingPathComponent("report.json"), atomically: true, encoding: .utf8)
    }

    private struct Output: Decodable {
        struct Slice: Decodable { var studyID: String; var slice: Int; var cluster: Int; var positive: Bool; var label: String? }
        var k: Int
        var slices: [Slice]
    }

    private func run(_ arguments: [String]) throws -> Output {
        try ClusterCommand.parse(arguments).run()
        let out = arguments[arguments.firstIndex(of: "--out")! + 1]
        return try JSONDecoder().decode(Output.self, from: Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("clusters.json")))
    }

    func testTwoGroupsComeOutAsTwoClustersAlikeOnEveryRun() throws {
        try writeStudy("a", groups: [0, 0, 0, 1, 1, 1, 1], seed: 1)
        try writeStudy("b", groups: [1, 0, 1, 0, 1, 0], seed: 2)
        try writeStudy("c", groups: [0, 0, 0, 0, 0, 1], seed: 3)
        // A report without features (an older output) is left out with a warning, not fatal.
        let old = dir.appendingPathComponent("site/old")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        try "{\"study\": {\"studyID\": \"old\"}, \"slices\": [], \"outputs\": {}}".write(
            to: old.appendingPathComponent("report.json"), atomically: true, encoding: .utf8)
        try "study,label\nid-a,alpha\nb,beta\n".write(to: dir.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        try "study,slice,label\nc,15,special\n".write(to: dir.appendingPathComponent("slices.csv"), atomically: true, encoding: .utf8)

        let out1 = dir.appendingPathComponent("out1").path, out2 = dir.appendingPathComponent("out2").path
        let common = [dir.appendingPathComponent("site").path, "--max-k", "5", "--seed", "4",
                      "--labels", dir.appendingPathComponent("labels.csv").path,
                      "--slice-labels", dir.appendingPathComponent("slices.csv").path]
        let first = try run(common + ["--out", out1])
        XCTAssertEqual(first.k, 2, "the elbow of two well-separated groups")
        XCTAssertEqual(first.slices.count, 19)
        // One cluster holds exactly the positive (group 1) slices.
        let clusterOfPositives = Set(first.slices.filter(\.positive).map(\.cluster))
        XCTAssertEqual(clusterOfPositives.count, 1)
        XCTAssertFalse(first.slices.filter { !$0.positive }.contains { clusterOfPositives.contains($0.cluster) })
        XCTAssertEqual(first.slices.first { $0.studyID == "id-a" }?.label, "alpha", "labels by study id")
        XCTAssertEqual(first.slices.first { $0.studyID == "id-b" }?.label, "beta", "labels by readable name")
        XCTAssertNil(first.slices.first { $0.studyID == "id-c" && $0.slice == 10 }?.label)
        XCTAssertEqual(first.slices.first { $0.studyID == "id-c" && $0.slice == 15 }?.label, "special", "a slice's own label")
        let second = try run(common + ["--out", out2])
        XCTAssertEqual(second.slices.map(\.cluster), first.slices.map(\.cluster), "same seed, same clusters")

        let scatter = try PNGFile.read(URL(fileURLWithPath: out1).appendingPathComponent("scatter.png").path)
        XCTAssertEqual([scatter.width, scatter.height], [1040, 560])
        let montage = try PNGFile.read(URL(fileURLWithPath: out1).appendingPathComponent("montage.png").path)
        // Two rows of 8 slices each at most, 128-pixel thumbnails: bright ones in the positive row.
        XCTAssertEqual(montage.height, 8 + 2 * (28 + 128 + 14 + 8))
        let summary = try String(contentsOf: URL(fileURLWithPath: out1).appendingPathComponent("summary.txt"), encoding: .utf8)
        XCTAssertTrue(summary.contains("19 lung slices from 3 studies"), summary)
        XCTAssertTrue(summary.contains("100 % called positive"), summary)
        XCTAssertTrue(summary.contains("labels: "), summary)
    }

    func testNothingToClusterIsAClearError() throws {
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try ClusterCommand.parse([empty.path, "--out", dir.appendingPathComponent("o").path]).run()) { error in
            XCTAssertEqual((error as? ExitCode)?.rawValue, 1)
        }
        XCTAssertThrowsError(try ClusterCommand.parse([dir.appendingPathComponent("missing").path]).run())
        XCTAssertThrowsError(try ClusterCommand.parseAsRoot([empty.path, "--max-k", "1"]), "--max-k below 2 is refused")
    }
}
