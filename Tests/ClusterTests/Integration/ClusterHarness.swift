import CTScreenTestSupport
import Foundation
import Logging
import XCTest
@testable import Cluster

/// Runs cluster processes from the release binary (`.build/release/ctscreen`, built by
/// Scripts/setup) against a Redis, each with its own log file, under a random key prefix.
final class ClusterHarness {
    static var repoRoot: URL { SharedFolder.repositoryRoot }
    static var shared: URL { SharedFolder.url }

    /// `configuration` "debug" for runs without a model (simulated workers), where the debug
    /// binary `swift build` made is fast enough and always current.
    static func binary(configuration: String = "release") throws -> URL {
        let url = repoRoot.appendingPathComponent(".build/\(configuration)/ctscreen")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(configuration) binary \(url.path) is missing (Scripts/setup builds release, swift build debug): skipping the cluster integration test")
        }
        return url
    }

    static var weights: String { shared.appendingPathComponent("fixtures/resnet50-gradcam/model.safetensors").path }

    final class Proc {
        let process: Process
        let log: URL
        let name: String
        init(process: Process, log: URL, name: String) { self.process = process; self.log = log; self.name = name }
        var text: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    let binary: URL
    let urlText: String
    let prefix: String
    let dir: URL
    let transport: RedisTransport
    private(set) var processes: [Proc] = []
    /// Fast liveness so the reaper acts within seconds in tests.
    var roleTuning = ["--heartbeat-interval", "0.5", "--heartbeat-slack", "2", "--reap-interval", "1"]

    init(urlText: String, configuration: String = "release") throws {
        binary = try Self.binary(configuration: configuration)
        self.urlText = urlText
        prefix = TestSupport.randomPrefix()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-cluster-\(prefix)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        transport = try RedisTransport(url: RedisURL(parsing: urlText), keys: Keys(prefix: prefix), logger: TestSupport.logger)
    }

    /// The test Redis of Scripts/test (or XCTSkip).
    static func withTestRedis(configuration: String = "release") throws -> ClusterHarness {
        guard let text = ProcessInfo.processInfo.environment["CTSCREEN_TEST_REDIS_URL"], !text.isEmpty else {
            throw XCTSkip("CTSCREEN_TEST_REDIS_URL is not set (Scripts/test sets it): skipping the cluster integration test")
        }
        return try ClusterHarness(urlText: text, configuration: configuration)
    }

    var clusterArgs: [String] { ["--redis-url", urlText, "--prefix", prefix] }

    @discardableResult
    func start(_ role: String, _ extra: [String] = [], env: [String: String] = [:], name: String? = nil,
               cluster: [String]? = nil) throws -> Proc {
        let name = name ?? "\(role)-\(processes.count)"
        let log = dir.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = binary
        p.arguments = [role] + (cluster ?? clusterArgs) + roleTuning + extra
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        let proc = Proc(process: p, log: log, name: name)
        processes.append(proc)
        return proc
    }

    /// Runs a one-shot subcommand (submit, status, …) to the end; returns (status, stdout).
    @discardableResult
    func run(_ arguments: [String], extraEnv: [String: String] = [:]) throws -> (Int32, String) {
        let out = dir.appendingPathComponent("cmd-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(extraEnv) { $1 }
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle(forWritingAtPath: dir.appendingPathComponent("cmd.err").path) ?? FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }

    func submit(_ paths: [String], _ extra: [String] = []) throws -> String {
        let (status, out) = try run(["submit"] + clusterArgs + ["--output-root", dir.appendingPathComponent("reports").path] + extra + paths)
        XCTAssertEqual(status, 0, out)
        return out
    }

    /// Study ids as `submit` printed them ("submitted ID  LABEL  SOURCE").
    static func submittedIDs(_ out: String) -> [String] { submitted(out).map(\.id) }

    /// (id, label) of each line "submitted ID  LABEL  SOURCE".
    static func submitted(_ out: String) -> [(id: String, label: String)] {
        out.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            return line.hasPrefix("submitted ") && words.count >= 3 ? (String(words[1]), String(words[2])) : nil
        }
    }

    /// The id `submit` gives the one series in `folder`.
    static func studyID(of folder: String) throws -> String {
        try XCTUnwrap(try StudyDiscovery.find([folder], recursive: false).first).studyID
    }

    /// Polls until `condition` holds; false after `limit` seconds (a guard against hangs,
    /// not a speed assertion).
    func wait(limit: Double = 240, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    func allFinal(_ ids: [String]) throws -> Bool {
        try ids.allSatisfy { id in
            guard let s = try transport.studyRecord(id)?.state.name else { return false }
            return s == .done || s == .failed
        }
    }

    /// `reports/<label>--<id>/report.json` (the label as the study record keeps it).
    func reportURL(_ id: String) throws -> URL {
        let record = try XCTUnwrap(try transport.studyRecord(id), id)
        let name = StudyIDs.folderName(studyID: id, label: record.label, attempt: record.attempt)
        return dir.appendingPathComponent("reports/\(name)/report.json")
    }

    func report(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: reportURL(id))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// SIGTERM to every process still running; returns the exit statuses by name.
    @discardableResult
    func stopAll() -> [String: Int32] { Self.stop(processes) }

    /// SIGTERM to each of `processes` still running, SIGKILL after 15 s; the exit statuses by name.
    static func stop(_ processes: [Proc]) -> [String: Int32] {
        var statuses: [String: Int32] = [:]
        for p in processes where p.process.isRunning { kill(p.process.processIdentifier, SIGTERM) }
        for p in processes {
            let end = Date().addingTimeInterval(15)
            while p.process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
            if p.process.isRunning { kill(p.process.processIdentifier, SIGKILL) }
            p.process.waitUntilExit()
            statuses[p.name] = p.process.terminationStatus
        }
        return statuses
    }

    /// Writes a small phantom DICOM series; returns its folder (named `name`).
    func phantom(_ name: String, seed: Int, slices: Int = 20) throws -> String {
        let out = dir.appendingPathComponent("phantom-src-\(name.replacingOccurrences(of: "/", with: "-"))")
        let (status, text) = try run(["phantom", "--out", out.path, "--slices", "\(slices)", "--matrix", "128",
                                      "--spacing", "2.6", "--thickness", "8", "--seed", "\(seed)", "--ground-glass", "2"])
        XCTAssertEqual(status, 0, text)
        let folder = dir.appendingPathComponent(name)  // may hold a "/": site-a/CT
        try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: out.appendingPathComponent("dicom"), to: folder)
        return folder.path
    }

    deinit {
        stopAll()
        try? FileManager.default.removeItem(at: dir)
    }
}
