import CTScreenTestSupport
import Foundation
import XCTest
@testable import Cluster

/// Issue 12's fault drill: a cluster of real processes on a redis-server of its own (AOF on)
/// screens good and bad studies while it is hurt as an operator would see it hurt — workers,
/// the reducer and the coordinator killed (-9) mid-work, a worker frozen past its heartbeat,
/// Redis stopped for longer than the heartbeat TTL and restarted from its AOF, Redis full
/// (`maxmemory`) while studies are submitted, a worker under an ACL user missing a command,
/// two sites submitting folders of the same name at once, and (load runs) workers killed at
/// random. Then it counts what an operator would check. `FaultDrillTests` runs a short plan;
/// `Scripts/fault-drill` runs long ones and the 200-study load run.
final class FaultDrill {
    struct Plan {
        /// Phantom studies in each of the four submission waves (the first wave also gets two
        /// sites' `CT` folders, submitted at the same time, and the bad studies); each later
        /// wave is submitted just before a fault, so the fault meets work in flight.
        var phantomsPerWave = 2
        /// More good studies (folders), spread over the waves (load runs: real series cut).
        var extraStudies: [String] = []
        var workers = 2
        var heartbeatInterval = 0.5
        var heartbeatSlack = 2.0
        /// Redis down for this long (must exceed the heartbeat TTL = interval + slack).
        var redisOutage = 5.0
        /// A worker SIGSTOPped for this long (must exceed the heartbeat TTL).
        var freeze = 5.0
        /// Redis over `maxmemory` for this long while the last wave is submitted.
        var fullRedis = 4.0
        /// Kill a random worker this often (nil: only the scheduled kills).
        var killEvery: Double?
        /// The whole drill gives up after this many seconds.
        var limit = 900.0
        var weights = ClusterHarness.weights
    }

    struct Counts: CustomStringConvertible {
        var good = 0, goodDone = 0, goodMatchingAnalyze = 0, goodDoneTwice = 0, deadLettersForGood = 0
        var bad = 0, badFailedOnce = 0
        var queuedLeft = 0, heldLeft = 0, transientKeysLeft = 0
        var baselineBytes = 0, afterBytes = 0, peakBytes = 0
        var seconds = 0.0
        var faults: [String] = []
        var problems: [String] = []

        var studiesPerHour: Double { seconds > 0 ? Double(good + bad) / seconds * 3600 : 0 }
        var description: String {
            func mb(_ b: Int) -> String { String(format: "%.1f MB", Double(b) / 1e6) }
            return """
            faults: \(faults.joined(separator: "; "))
            good studies done: \(goodDone)/\(good) (identical to analyze: \(goodMatchingAnalyze), done twice: \(goodDoneTwice))
            bad studies failed once with a reason: \(badFailedOnce)/\(bad)
            dead letters for good studies: \(deadLettersForGood)
            left in queues: \(queuedLeft), in processing lists: \(heldLeft), payload/result/attempt keys: \(transientKeysLeft)
            Redis memory: baseline \(mb(baselineBytes)), after \(mb(afterBytes)), peak \(mb(peakBytes))
            \(good + bad) studies in \(String(format: "%.0f", seconds)) s: \(String(format: "%.0f", studiesPerHour)) studies/hour
            """ + (problems.isEmpty ? "" : "\nproblems:\n  " + problems.joined(separator: "\n  "))
        }
    }

    let plan: Plan
    init(plan: Plan) { self.plan = plan }

    private var h: ClusterHarness!
    private var server: OwnRedisServer!
    private var admin: RedisConnection { get throws { try RedisConnection(url: RedisURL(port: server.port), logger: TestSupport.logger) } }
    private var workerCount = 0
    private var counts = Counts()
    private let lock = NSLock()

    func run() throws -> Counts {
        server = try OwnRedisServer(appendOnly: true)
        try server.start()
        defer { server.stop() }
        h = try ClusterHarness(urlText: "redis://127.0.0.1:\(server.port)/0")
        h.roleTuning = ["--heartbeat-interval", "\(plan.heartbeatInterval)", "--heartbeat-slack", "\(plan.heartbeatSlack)",
                        "--reap-interval", "1"]
        let deadline = Date().addingTimeInterval(plan.limit)

        // The studies: four waves of good ones, plus bad ones in the first wave.
        let siteA = try h.phantom("site-a/CT", seed: 201), siteB = try h.phantom("site-b/CT", seed: 202, slices: 24)
        var waves: [[String]] = [[], [], [], []]
        for w in 0..<4 {
            for k in 0..<plan.phantomsPerWave { waves[w].append(try h.phantom("wave\(w)/study-\(k)", seed: 300 + 10 * w + k)) }
        }
        for (i, folder) in plan.extraStudies.enumerated() { waves[i % 4].append(folder) }
        let bad = [try tooFewSlices(), try unreadableSeries()]
        let good = [siteA, siteB] + waves.flatMap { $0 }
        counts.good = good.count
        counts.bad = bad.count
        counts.baselineBytes = try usedMemory()
        let sampler = startMemorySampler()
        defer { sampler.stop() }
        let started = Date()

        let weights = ["--weights", plan.weights]
        try h.start("coordinator", weights, name: "coordinator")
        try h.start("reducer", [], name: "reducer")

        // Wave 1: two sites' CT folders at the same time, then the rest and the bad studies.
        let sites = DispatchGroup()
        var siteOutputs: [String] = ["", ""]
        for (i, folder) in [siteA, siteB].enumerated() {
            DispatchQueue.global().async(group: sites) { [h] in
                let out = (try? h!.run(["submit"] + h!.clusterArgs + ["--output-root", h!.dir.appendingPathComponent("reports").path, folder]))?.1 ?? ""
                self.lock.lock(); siteOutputs[i] = out; self.lock.unlock()
            }
        }
        sites.wait()
        _ = try submit(waves[0] + bad, expectFailure: true)
        counts.faults.append("two sites submitted CT at once")
        // The ACL-limited worker is the only worker at first, so it surely takes an item.
        try fault("worker under an ACL user without INCRBY", when: { try self.h.transport.depth(.slices, lane: .bulk) > 0 }, deadline) {
            try self.aclWorker()
        }
        for _ in 0..<plan.workers { try startWorker() }
        let killer = plan.killEvery.map { startRandomKills(every: $0) }
        defer { killer?.stop() }

        try fault("worker killed -9 mid-batch", when: { try self.h.transport.counter("slices") > 0 }, deadline) {
            try self.killWorker()
        }
        try fault("reducer killed -9", when: { try !self.h.transport.studies(in: .reducing).isEmpty
                                                || !self.h.transport.studies(in: .done).isEmpty }, deadline) {
            try self.restart("reducer", [])
        }
        _ = try submit(waves[1])
        try fault("coordinator killed -9 mid-study", when: { try !self.h.transport.studies(in: .ingesting).isEmpty
                                                             || self.h.transport.depth(.studies, lane: .bulk) > 0 }, deadline) {
            try self.restart("coordinator", weights)
        }
        try fault("worker frozen (SIGSTOP) \(plan.freeze) s", when: { try self.h.transport.counter("slices") > 0 }, deadline) {
            guard let w = self.liveWorkers().first else { return }
            kill(w.process.processIdentifier, SIGSTOP)
            Thread.sleep(forTimeInterval: self.plan.freeze)
            kill(w.process.processIdentifier, SIGCONT)
        }
        _ = try submit(waves[2])
        let third = try waves[2].map { try ClusterHarness.studyID(of: $0) }
        try fault("Redis stopped \(plan.redisOutage) s, restarted from AOF", when: {
            try third.contains { try self.h.transport.studyRecord($0)?.state == .classifying }
        }, deadline) {
            self.server.stop()
            Thread.sleep(forTimeInterval: self.plan.redisOutage)
            try self.server.start()
        }
        try fault("Redis full (maxmemory) \(plan.fullRedis) s while wave 4 is submitted", when: { true }, deadline) {
            _ = try self.admin.command(["CONFIG", "SET", "maxmemory", "1"]).checked("CONFIG SET")
            let submitted = DispatchSemaphore(value: 0)
            DispatchQueue.global().async { _ = try? self.submit(waves[3]); submitted.signal() }
            Thread.sleep(forTimeInterval: self.plan.fullRedis)
            _ = try self.admin.command(["CONFIG", "SET", "maxmemory", "0"]).checked("CONFIG SET")
            submitted.wait()
        }

        // The end: every study final (or the limit).
        let ids = try (good + bad).map { try ClusterHarness.studyID(of: $0) }
        while Date() < deadline, !(try h.allFinal(ids)) { Thread.sleep(forTimeInterval: 0.5) }
        counts.seconds = Date().timeIntervalSince(started)
        killer?.stop()
        h.stopAll()
        sampler.stop()
        try count(good: good, bad: bad, siteOutputs: siteOutputs)
        counts.peakBytes = max(counts.peakBytes, sampler.peak)
        return counts
    }

    // MARK: faults

    private func fault(_ name: String, when ready: @escaping () throws -> Bool, _ deadline: Date, _ act: @escaping () throws -> Void) throws {
        var inFlight = false
        while Date() < deadline {
            if try ready() { inFlight = true; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let busy = try (try? h.transport.depth(.slices, lane: .bulk)) ?? 0 > 0 || !h.transport.studies(in: .classifying).isEmpty
        try act()
        counts.faults.append(name + (inFlight && busy ? "" : " (cluster idle at the time)"))
    }

    private func liveWorkers() -> [ClusterHarness.Proc] {
        h.processes.filter { $0.name.hasPrefix("worker-") && $0.process.isRunning }
    }

    private func startWorker() throws {
        workerCount += 1
        try h.start("worker", ["--weights", plan.weights, "--threads", "1"], name: "worker-\(workerCount)")
    }

    /// kill -9 one worker and start a replacement (as a supervisor would).
    private func killWorker() throws {
        guard let w = liveWorkers().randomElement() else { return }
        kill(w.process.processIdentifier, SIGKILL)
        w.process.waitUntilExit()
        try startWorker()
    }

    private func restart(_ role: String, _ extra: [String]) throws {
        for p in h.processes where p.name.hasPrefix(role) && p.process.isRunning {
            kill(p.process.processIdentifier, SIGKILL)
            p.process.waitUntilExit()
        }
        try h.start(role, extra, name: "\(role)-\(h.processes.count)")
    }

    /// A worker whose Redis user lacks INCRBY must hand back what it took and exit non-zero.
    private func aclWorker() throws {
        let user = "drill-no-incrby"
        _ = try admin.command(["ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-incrby"]).checked("ACL SETUSER")
        let cluster = ["--redis-url", "redis://\(user):pw@127.0.0.1:\(server.port)/0", "--prefix", h.prefix]
        let p = try h.start("worker", ["--weights", plan.weights, "--threads", "1"], name: "acl-worker", cluster: cluster)
        let end = Date().addingTimeInterval(60)
        while p.process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.1) }
        if p.process.isRunning { kill(p.process.processIdentifier, SIGKILL); counts.problems.append("the ACL worker kept running") }
        p.process.waitUntilExit()
        if p.process.terminationStatus == 0 || !p.text.contains("cannot serve") {
            counts.problems.append("the ACL worker exited \(p.process.terminationStatus) without saying it cannot serve: \(p.log.path)")
        }
    }

    private final class Repeater {
        private let flag = StopFlag()
        private let done = DispatchSemaphore(value: 0)
        private var running = true
        var peak = 0
        init(every seconds: Double, _ body: @escaping (Repeater) -> Void) {
            Thread.detachNewThread { [self] in
                while flag.sleep(seconds) { body(self) }
                done.signal()
            }
        }
        func stop() {
            guard running else { return }
            running = false
            flag.requestStop()
            done.wait()
        }
    }

    private func startRandomKills(every seconds: Double) -> Repeater {
        Repeater(every: seconds) { _ in
            self.lock.lock(); defer { self.lock.unlock() }
            if (try? self.killWorker()) != nil { self.counts.faults.append("random worker kill") }
        }
    }

    private func startMemorySampler() -> Repeater {
        Repeater(every: 0.25) { r in if let used = try? self.usedMemory() { r.peak = max(r.peak, used) } }
    }

    private func usedMemory() throws -> Int {
        let t = try RedisTransport(url: RedisURL(port: server.port), logger: TestSupport.logger)
        return try t.memoryUsage().used
    }

    // MARK: studies

    /// A CT series of 6 slices (a phantom's first six): too short to be a chest CT.
    private func tooFewSlices() throws -> String {
        let folder = try h.phantom("bad/too-few-slices", seed: 401)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        for name in files.dropFirst(6) { try FileManager.default.removeItem(atPath: folder + "/" + name) }
        return folder
    }

    /// A folder that looks like a series but is not CT: the pydicom MR samples.
    private func unreadableSeries() throws -> String {
        let folder = h.dir.appendingPathComponent("bad/not-ct")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let samples = try SharedFolder.existing("data/dicom-samples/pydicom")
        for name in ["MR_small_implicit.dcm", "MR_small_RLE.dcm"] {
            try FileManager.default.copyItem(at: samples.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return folder.path
    }

    @discardableResult
    private func submit(_ folders: [String], expectFailure: Bool = false) throws -> String {
        guard !folders.isEmpty else { return "" }
        let (status, out) = try h.run(["submit"] + h.clusterArgs + ["--output-root", h.dir.appendingPathComponent("reports").path] + folders)
        if status != 0, !expectFailure { counts.problems.append("submit exited \(status): \(out)") }
        return out
    }

    // MARK: the counts

    private func count(good: [String], bad: [String], siteOutputs: [String]) throws {
        let t = try RedisTransport(url: RedisURL(port: server.port), keys: Keys(prefix: h.prefix), logger: TestSupport.logger)
        let goodIDs = try good.map { try ClusterHarness.studyID(of: $0) }
        if Set(ClusterHarness.submittedIDs(siteOutputs.joined(separator: "\n"))).count != 2 {
            counts.problems.append("the two sites' CT folders did not become two studies: \(siteOutputs)")
        }
        let reducerLogs = h.processes.filter { $0.name.hasPrefix("reducer") }.map(\.text).joined(separator: "\n")
        let deadStudies = try t.deadLetters(limit: 100_000).compactMap { try? JSONDecoder().decode(DeadLetter.self, from: Data($0)).studyID }
        for (folder, id) in zip(good, goodIDs) {
            guard let record = try t.studyRecord(id), record.state == .done else {
                counts.problems.append("\(folder) (\(id)) ended \(String(describing: try t.studyRecord(id)?.state))")
                continue
            }
            counts.goodDone += 1
            let completions = reducerLogs.split(separator: "\n").filter { $0.contains("study done") && $0.contains(id) }.count
            let folders = try FileManager.default.contentsOfDirectory(atPath: h.dir.appendingPathComponent("reports").path)
                .filter { $0.contains(id) }.count
            if completions > 1 || folders != 1 || record.attempt != 1 { counts.goodDoneTwice += 1 }
            if try matchesAnalyze(folder: folder, id: id) { counts.goodMatchingAnalyze += 1 }
        }
        counts.deadLettersForGood = deadStudies.filter { goodIDs.contains($0) }.count
        for folder in bad {
            guard let id = try? ClusterHarness.studyID(of: folder) else {
                counts.problems.append("\(folder) was not submitted as a study"); continue
            }
            if case .failed(let reason)? = try t.studyRecord(id)?.state, !reason.isEmpty,
               deadStudies.filter({ $0 == id }).count == 1 {
                counts.badFailedOnce += 1
            } else {
                counts.problems.append("bad study \(folder) ended \(String(describing: try t.studyRecord(id)?.state)), "
                                       + "\(deadStudies.filter { $0 == id }.count) dead letters")
            }
        }
        let conn = try admin
        for q in QueueName.allCases { for lane in Lane.allCases { counts.queuedLeft += try t.depth(q, lane: lane) } }
        let keys = (try conn.command(["KEYS", "\(h.prefix):*"]).array ?? []).compactMap(\.string)
        for k in keys where k.hasPrefix("\(h.prefix):processing:") { counts.heldLeft += try conn.command(["LLEN", k]).integer ?? 0 }
        let transient = keys.filter {
            $0.hasPrefix("\(h.prefix):payload:") || $0.hasPrefix("\(h.prefix):results:") || $0.hasPrefix("\(h.prefix):attempts:")
        }
        counts.transientKeysLeft = transient.count
        for k in transient.prefix(5) {
            let value = (try? conn.command(["GET", k]).string).flatMap { $0 } ?? "(not a string)"
            counts.problems.append("left behind: \(k) = \(value.prefix(40)), TTL \(try conn.command(["PTTL", k]).integer ?? -2) ms")
        }
        counts.afterBytes = try usedMemory()
    }

    /// The study's report equals `ctscreen analyze`'s on the same folder (scores and
    /// per-slice probabilities within 1e-5, positive slices exactly).
    private func matchesAnalyze(folder: String, id: String) throws -> Bool {
        let out = h.dir.appendingPathComponent("analyze/\(id)")
        let (status, text) = try h.run(["analyze", folder, "--out", out.path, "--threads", "1", "--weights", plan.weights])
        guard status == 0 else { counts.problems.append("analyze \(folder): \(text)"); return false }
        func json(_ url: URL) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        }
        let want = try json(out.appendingPathComponent("report.json")), got = try json(h.reportURL(id))
        func number(_ d: [String: Any], _ k: String) -> Double { (d[k] as? NSNumber)?.doubleValue ?? .nan }
        let slices = { (d: [String: Any]) in ((d["slices"] as? [[String: Any]]) ?? []).map { number($0, "probability") } }
        let same = abs(number(got, "positiveRatio") - number(want, "positiveRatio")) <= 1e-5
            && abs(number(got, "coronaScore") - number(want, "coronaScore")) <= 1e-5
            && (got["positiveSlices"] as? [Int]) == (want["positiveSlices"] as? [Int])
            && slices(got).count == slices(want).count
            && zip(slices(got), slices(want)).allSatisfy { abs($0 - $1) <= 1e-5 }
        if !same { counts.problems.append("\(folder): the cluster's report differs from analyze's") }
        return same
    }
}
