import Foundation
import XCTest
@testable import Cluster

/// Faults injected into a running cluster of release-binary processes. Workers simulate
/// their compute (`--simulate-ms`) so the runs stay short; the fabric is the real one.
final class ClusterFaultTests: XCTestCase {
    /// A worker killed with SIGKILL in the middle of a batch: the reaper returns the batch,
    /// every study completes, each lung slice has exactly one result, and the reaper's log
    /// line names the recovered message.
    func testWorkerKilledMidBatchIsRecovered() throws {
        let h = try ClusterHarness.withTestRedis()
        let studies = [try h.phantom("kill-a", seed: 21), try h.phantom("kill-b", seed: 22)]
        try h.start("coordinator", ["--batch-size", "4"], name: "coordinator")
        try h.start("reducer", [], name: "reducer")
        let doomed = try h.start("worker", ["--simulate-ms", "60000"], name: "doomed")
        let ids = ClusterHarness.submittedIDs(try h.submit(studies))
        XCTAssertEqual(ids.count, 2)

        // Wait until the doomed worker holds a batch, note it, then kill it.
        var held: [UInt8]?
        XCTAssertTrue(try h.wait(limit: 120) {
            for p in try h.transport.registeredProcesses() where p.pid == doomed.process.processIdentifier {
                held = try h.transport.processingItems(process: p.id, queue: .slices, lane: .bulk).first
            }
            return held != nil
        })
        let heldID = try XCTUnwrap(MessageCodec.peekID(try XCTUnwrap(held))?.id)
        kill(doomed.process.processIdentifier, SIGKILL)
        doomed.process.waitUntilExit()
        try h.start("worker", ["--simulate-ms", "5"], name: "rescuer")

        XCTAssertTrue(try h.wait(limit: 180) { try h.allFinal(ids) }, "logs in \(h.dir.path)")
        h.stopAll()
        for id in ids {
            XCTAssertEqual(try h.transport.studyRecord(id)?.state, .done, id)
            let report = try h.report(id)
            let indices = try XCTUnwrap((report["slices"] as? [[String: Any]])?.compactMap { $0["index"] as? Int })
            let lung = try XCTUnwrap((report["lung"] as? [String: Any])?["sliceCount"] as? Int)
            XCTAssertEqual(indices.count, lung, id)
            XCTAssertEqual(Set(indices).count, indices.count, "duplicate slice results in \(id)")
        }
        let logs = h.processes.filter { $0.name != "doomed" }.map(\.text).joined(separator: "\n")
        let recovered = logs.split(separator: "\n").filter { $0.contains("reaper recovered an item") }
        XCTAssertTrue(recovered.contains { $0.contains(heldID) }, "no reaper line names \(heldID):\n\(recovered.joined(separator: "\n"))")
        XCTAssertEqual(try h.transport.deadLetterCount(), 0)
    }

    /// A batch that kills its worker on every delivery is dead-lettered after max-attempts
    /// (3) deliveries, its study is marked failed, the other study completes, and `status`
    /// shows the dead letter and the failed study.
    func testPoisonItemIsDeadLetteredAfterMaxAttempts() throws {
        let h = try ClusterHarness.withTestRedis()
        let poison = try h.phantom("poison", seed: 31), healthy = try h.phantom("healthy", seed: 32)
        let attempts = ["--max-attempts", "3"]
        try h.start("coordinator", attempts + ["--batch-size", "64"], name: "coordinator")
        try h.start("reducer", attempts, name: "reducer")
        let poisonID = try ClusterHarness.studyID(of: poison), healthyID = try ClusterHarness.studyID(of: healthy)
        let env = ["CTSCREEN_TEST_ABORT_STUDY": poisonID]
        var worker = try h.start("worker", attempts + ["--simulate-ms", "5"], env: env, name: "worker-0")
        let submitted = ClusterHarness.submitted(try h.submit([poison, healthy]))
        let ids = submitted.map(\.id)
        XCTAssertEqual(Set(ids), [poisonID, healthyID])
        XCTAssertEqual(Set(submitted.map(\.label)), ["poison", "healthy"])

        // A supervisor: restart the worker each time the poison kills it.
        var deaths = 0
        XCTAssertTrue(h.wait(limit: 180) {
            if !worker.process.isRunning {
                deaths += 1
                worker = (try? h.start("worker", attempts + ["--simulate-ms", "5"], env: env, name: "worker-\(deaths)")) ?? worker
            }
            return (try? h.allFinal(ids)) == true
        }, "logs in \(h.dir.path)")
        XCTAssertEqual(try h.transport.studyRecord(healthyID)?.state, .done)
        let failed = try XCTUnwrap(try h.transport.studyRecord(poisonID)?.state)
        XCTAssertEqual(failed.name, .failed)
        XCTAssertTrue(failed.reason.hasPrefix("attempts-exhausted"), failed.reason)
        // One batch (batch size 64): three deliveries, three deaths, then the dead letter.
        XCTAssertEqual(deaths, 3)
        let dead = try h.transport.deadLetters(limit: 10).compactMap(DeadLetter.decode)
        XCTAssertEqual(dead.count, 1)
        XCTAssertEqual(dead.first?.cause, .attemptsExhausted)
        XCTAssertEqual(dead.first?.studyID, poisonID)
        XCTAssertEqual(dead.first?.attempts, 3)

        let (status, text) = try h.run(["status"] + h.clusterArgs + ["--json", "--interval", "0"])
        XCTAssertEqual(status, 0, text)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(json["dead_letters"] as? Int, 1)
        XCTAssertEqual((json["studies"] as? [String: Int])?["failed"], 1)
        XCTAssertEqual((json["studies"] as? [String: Int])?["done"], 1)
        XCTAssertNotNil((json["failed"] as? [String: String])?[poisonID])
        XCTAssertEqual((json["failed_labels"] as? [String: String])?[poisonID], "poison")
        h.stopAll()
    }

    /// Malformed messages of every kind pushed raw onto the queues are dead-lettered with
    /// their cause; the processes keep serving (a study submitted afterwards completes).
    func testMalformedMessagesAreDeadLetteredWithoutCrashing() throws {
        let h = try ClusterHarness.withTestRedis()
        let t = h.transport, keys = t.keys, codec = MessageCodec(keys: keys)
        try h.start("coordinator", [], name: "coordinator")
        try h.start("worker", ["--simulate-ms", "5"], name: "worker")
        try h.start("reducer", [], name: "reducer")

        func env(_ body: MessageBody) throws -> [UInt8] { try codec.encode(Envelope(body: body)) }
        let garbageKey = keys.batchPayload("garbage", attempt: 1, batch: 0)
        try t.putPayload(garbageKey, Array("not a payload".utf8), ttl: 600)
        let hostile: [(QueueName, [UInt8], DeadLetter.Cause)] = [
            (.studies, Array("{not json".utf8), .badJSON),
            (.studies, Array(#"{"v":99,"id":"x","kind":"study","lane":"bulk","created":0,"body":{}}"#.utf8), .unknownVersion),
            (.studies, Array(repeating: UInt8(ascii: " "), count: 70_000), .oversized),
            (.studies, try env(.reduce(ReduceDescriptor(studyID: "wrongkind", batchCount: 1, sliceCount: 1))), .wrongKind),
            (.studies, try env(.study(StudyDescriptor(studyID: "../etc", sources: ["/x"]))), .invalidField),
            (.studies, try env(.study(StudyDescriptor(studyID: "nofile", sources: ["/nonexistent/series"]))), .permanentFailure),
            (.slices, try env(.sliceBatch(SliceBatchDescriptor(studyID: "nopayload", batchIndex: 0, batchCount: 1, sliceIndices: [0],
                                                              payloadKey: keys.batchPayload("nopayload", attempt: 1, batch: 0)))), .missingPayload),
            (.slices, try env(.sliceBatch(SliceBatchDescriptor(studyID: "garbage", batchIndex: 0, batchCount: 1, sliceIndices: [0],
                                                              payloadKey: garbageKey))), .permanentFailure),
            (.slices, try env(.sliceBatch(SliceBatchDescriptor(studyID: "outside", batchIndex: 0, batchCount: 1, sliceIndices: [0],
                                                              payloadKey: "other:key"))), .invalidField),
            (.reduce, Array("[1,2,3]".utf8), .badJSON),
            (.reduce, try env(.reduce(ReduceDescriptor(studyID: "nocontext", batchCount: 1, sliceCount: 1,
                                                       contextKey: keys.contextPayload("nocontext", attempt: 1)))), .missingPayload),
        ]
        for (queue, raw, _) in hostile { try t.push(raw, to: queue, lane: .bulk) }
        XCTAssertTrue(try h.wait(limit: 60) { try t.deadLetterCount() == hostile.count }, "logs in \(h.dir.path)")
        let dead = try t.deadLetters(limit: 100).compactMap(DeadLetter.decode)
        XCTAssertEqual(dead.count, hostile.count)
        var want: [QueueName: [DeadLetter.Cause]] = [:], got: [QueueName: [DeadLetter.Cause]] = [:]
        for (q, _, cause) in hostile { want[q, default: []].append(cause) }
        for d in dead { got[d.queue, default: []].append(d.cause) }
        for q in QueueName.allCases {
            XCTAssertEqual(got[q]?.map(\.rawValue).sorted(), want[q]?.map(\.rawValue).sorted(), "\(q)")
        }
        XCTAssertTrue(dead.allSatisfy { !$0.reason.isEmpty })
        XCTAssertTrue(h.processes.allSatisfy { $0.process.isRunning }, "a process died")
        XCTAssertEqual(try t.studyRecord("nofile")?.state.name, .failed)

        let ids = ClusterHarness.submittedIDs(try h.submit([try h.phantom("after", seed: 41)]))
        XCTAssertTrue(try h.wait(limit: 120) { try h.allFinal(ids) })
        XCTAssertEqual(try t.studyRecord(try XCTUnwrap(ids.first))?.state, .done)
        for (name, status) in h.stopAll() { XCTAssertEqual(status, 0, "\(name) exit status after SIGTERM") }
    }
}
