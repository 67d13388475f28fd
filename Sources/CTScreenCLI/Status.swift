import ArgumentParser
import Cluster
import Foundation

/// `ctscreen status`: queues, processes, throughput, dead letters, studies by state.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Shows queue depths, items held per process, live processes, throughput, dead letters, studies by state.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Seconds between the two counter samples that give the throughput (0: no throughput).")
    var interval: Double = 1

    @Option(help: "Dead letters to list (newest first).")
    var deadLetters: Int = 10

    func run() throws {
        do {
            let t = try cluster.transport()
            let first = try t.counter("slices")
            if interval > 0 { Thread.sleep(forTimeInterval: interval) }
            let s = try ClusterStatus.snapshot(t)
            let rate = interval > 0 ? Double(s.slices - first) / interval : nil
            let dead = try t.deadLetters(limit: max(0, deadLetters)).compactMap(DeadLetter.decode)
            let failed = try t.studies(in: .failed).map { id -> (String, String, String) in
                let record = try t.studyRecord(id)
                return (id, record?.label ?? "", record?.state.reason ?? "")
            }
            if json {
                try printJSON(s, rate: rate, dead: dead, failed: failed)
            } else {
                printText(s, rate: rate, dead: dead, failed: failed)
            }
        } catch {
            throw RoleProcess.fail("status", error)
        }
    }

    private func printText(_ s: ClusterStatus, rate: Double?, dead: [DeadLetter], failed: [(String, String, String)]) {
        print("queues (urgent / bulk):")
        for q in QueueName.allCases {
            print("  \(q.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(s.depths[q]?[.urgent] ?? 0) / \(s.depths[q]?[.bulk] ?? 0)   processed \(s.processed[q] ?? 0)")
        }
        print("  dead     \(s.deadLetters)")
        let alive = s.processes.filter(\.alive).count
        print("processes: \(alive) alive of \(s.processes.count) registered")
        for p in s.processes.sorted(by: { $0.process.id < $1.process.id }) {
            let holding = QueueName.allCases.compactMap { q in (p.holding[q] ?? 0) > 0 ? "\(q.rawValue) \(p.holding[q]!)" : nil }
            print("  \(p.alive ? "alive" : "DEAD ") \(p.process.role.padding(toLength: 11, withPad: " ", startingAt: 0)) \(p.process.id)  holding: \(holding.isEmpty ? "nothing" : holding.joined(separator: ", "))")
        }
        print("throughput: \(rate.map { String(format: "%.1f slices/s", $0) } ?? "-") (\(s.slices) slices classified in total)")
        print("studies: " + StudyState.Name.allCases.map { "\($0.rawValue) \(s.studiesByState[$0] ?? 0)" }.joined(separator: ", "))
        for (id, label, reason) in failed { print("  failed \(id)\(label.isEmpty ? "" : " (\(label))"): \(reason)") }
        if !dead.isEmpty { print("dead letters (newest first):") }
        for d in dead {
            print("  [\(d.cause.rawValue)] queue \(d.queue.rawValue) study \(d.studyID ?? "-") attempts \(d.attempts): \(d.reason)")
        }
    }

    private func printJSON(_ s: ClusterStatus, rate: Double?, dead: [DeadLetter], failed: [(String, String, String)]) throws {
        var queues: [String: Any] = [:]
        for q in QueueName.allCases {
            queues[q.rawValue] = ["urgent": s.depths[q]?[.urgent] ?? 0, "bulk": s.depths[q]?[.bulk] ?? 0, "processed": s.processed[q] ?? 0]
        }
        let processes: [[String: Any]] = s.processes.map { p in
            ["id": p.process.id, "role": p.process.role, "host": p.process.host, "pid": Int(p.process.pid), "alive": p.alive,
             "holding": Dictionary(uniqueKeysWithValues: QueueName.allCases.map { ($0.rawValue, p.holding[$0] ?? 0) })]
        }
        let deadList: [[String: Any]] = dead.map {
            ["cause": $0.cause.rawValue, "reason": $0.reason, "queue": $0.queue.rawValue, "study_id": $0.studyID ?? NSNull(),
             "message_id": $0.messageID ?? NSNull(), "attempts": $0.attempts, "at": $0.at]
        }
        let object: [String: Any] = [
            "queues": queues, "dead_letters": s.deadLetters, "dead_letter_records": deadList, "processes": processes,
            "slices_classified": s.slices, "throughput_slices_per_second": rate ?? NSNull(),
            "studies": Dictionary(uniqueKeysWithValues: StudyState.Name.allCases.map { ($0.rawValue, s.studiesByState[$0] ?? 0) }),
            "failed": Dictionary(uniqueKeysWithValues: failed.map { ($0.0, $0.2) }),
            "failed_labels": Dictionary(uniqueKeysWithValues: failed.map { ($0.0, $0.1) }),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        print(String(decoding: data, as: UTF8.self))
    }
}
