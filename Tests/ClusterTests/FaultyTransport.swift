import Foundation
@testable import Cluster

/// A transport that forwards to another and fails chosen operations, the way a Redis user
/// without a command's ACL permission (NOPERM) or a full Redis (OOM) fails them.
final class FaultyTransport: QueueTransport, @unchecked Sendable {
    let inner: QueueTransport
    private let lock = NSLock()
    /// Operation name → failures left (Int.max: always).
    private var faults: [String: Int]
    private var failedOps: [String] = []
    /// The operations failed so far (thread-safe).
    var failed: [String] { lock.lock(); defer { lock.unlock() }; return failedOps }

    init(_ inner: QueueTransport, failing faults: [String: Int]) {
        self.inner = inner
        self.faults = faults
    }

    private func check(_ op: String) throws {
        lock.lock(); defer { lock.unlock() }
        guard let left = faults[op], left > 0 else { return }
        if left != Int.max { faults[op] = left - 1 }
        failedOps.append(op)
        throw ClusterError(.serverError, "NOPERM User worker has no permissions to run the '\(op)' command (injected)")
    }

    var keys: Keys { inner.keys }
    func connectionUptime() -> Double { inner.connectionUptime() }
    func companion() throws -> QueueTransport { self }
    func push(_ m: [[UInt8]], to q: QueueName, lane: Lane) throws { try check("push"); try inner.push(m, to: q, lane: lane) }
    func take(from q: QueueName, process: String, timeout: Double, stop: StopFlag?) throws -> Delivery? {
        try check("take"); return try inner.take(from: q, process: process, timeout: timeout, stop: stop)
    }
    func settle(_ d: Delivery, _ s: Settlement) throws -> Bool { try check("settle"); return try inner.settle(d, s) }
    func acknowledge(_ d: Delivery, messageID: String, counters: [(String, Int)]) throws -> Bool {
        try check("acknowledge"); return try inner.acknowledge(d, messageID: messageID, counters: counters)
    }
    func extend(_ d: Delivery, by s: Double) throws -> Bool { try check("extend"); return try inner.extend(d, by: s) }
    func expiredItems(process: String, queue: QueueName, lane: Lane, grace: Double) throws -> [[UInt8]] {
        try inner.expiredItems(process: process, queue: queue, lane: lane, grace: grace)
    }
    func depth(_ q: QueueName, lane: Lane) throws -> Int { try inner.depth(q, lane: lane) }
    func processingItems(process: String, queue: QueueName, lane: Lane) throws -> [[UInt8]] {
        try inner.processingItems(process: process, queue: queue, lane: lane)
    }
    func deadLetters(limit: Int) throws -> [[UInt8]] { try inner.deadLetters(limit: limit) }
    func deadLetterCount() throws -> Int { try inner.deadLetterCount() }
    func addAttempts(_ id: String, _ delta: Int) throws -> Int { try check("addAttempts"); return try inner.addAttempts(id, delta) }
    func clearAttempts(_ id: String) throws { try check("clearAttempts"); try inner.clearAttempts(id) }
    func putPayload(_ k: String, _ b: [UInt8], ttl: Double) throws { try inner.putPayload(k, b, ttl: ttl) }
    func payload(_ k: String) throws -> [UInt8]? { try inner.payload(k) }
    func payloadExists(_ k: String) throws -> Bool { try check("payloadExists"); return try inner.payloadExists(k) }
    func deletePayloads(_ k: [String]) throws { try inner.deletePayloads(k) }
    func writeBatchResult(studyID: String, attempt: Int, batch: Int, batchCount: Int, result: [UInt8], payloadKey: String,
                          reduceMessage: [UInt8], lane: Lane, ttl: Double) throws -> BatchResultOutcome {
        try check("writeBatchResult")
        return try inner.writeBatchResult(studyID: studyID, attempt: attempt, batch: batch, batchCount: batchCount, result: result,
                                          payloadKey: payloadKey, reduceMessage: reduceMessage, lane: lane, ttl: ttl)
    }
    func hasBatchResult(studyID: String, attempt: Int, batch: Int) throws -> Bool {
        try inner.hasBatchResult(studyID: studyID, attempt: attempt, batch: batch)
    }
    func deadLetterAndFail(_ d: Delivery, record: [UInt8], messageID: String?, failing: StudyFailure?) throws -> Bool {
        try check("deadLetter")
        return try inner.deadLetterAndFail(d, record: record, messageID: messageID, failing: failing)
    }
    func memoryUsage() throws -> MemoryUsage { try inner.memoryUsage() }
    func batchResults(studyID: String, attempt: Int) throws -> [Int: [UInt8]] { try inner.batchResults(studyID: studyID, attempt: attempt) }
    func deleteResults(studyID: String, attempt: Int) throws { try inner.deleteResults(studyID: studyID, attempt: attempt) }
    func claimStudy(_ c: StudyClaim, message: [UInt8], lane: Lane, newAttempt: Bool) throws -> StudyClaimOutcome {
        try inner.claimStudy(c, message: message, lane: lane, newAttempt: newAttempt)
    }
    func transition(studyID: String, to state: StudyState, attempt: Int?) throws -> StudyState {
        try check("transition:\(state.name.rawValue)")
        return try inner.transition(studyID: studyID, to: state, attempt: attempt)
    }
    func completeStudy(studyID: String, attempt: Int, summaryKey: String, summary: [UInt8], summaryTTL: Double,
                       deleting: [String]) throws -> CompletionOutcome {
        try check("complete")
        return try inner.completeStudy(studyID: studyID, attempt: attempt, summaryKey: summaryKey, summary: summary,
                                       summaryTTL: summaryTTL, deleting: deleting)
    }
    func studyRecord(_ id: String) throws -> StudyRecord? { try inner.studyRecord(id) }
    func studies(in state: StudyState.Name) throws -> [String] { try inner.studies(in: state) }
    func putTimePoint(patientID: String, key: String, _ bytes: [UInt8], ttl: Double) throws { try inner.putTimePoint(patientID: patientID, key: key, bytes, ttl: ttl) }
    func timePoints(patientID: String) throws -> [[UInt8]] { try inner.timePoints(patientID: patientID) }
    func register(_ r: ProcessRecord) throws { try inner.register(r) }
    func deregister(_ p: String) throws { try inner.deregister(p) }
    func registeredProcesses() throws -> [ProcessRecord] { try inner.registeredProcesses() }
    func beat(_ p: String, ttl: Double) throws { try inner.beat(p, ttl: ttl) }
    func isAlive(_ p: String) throws -> Bool { try inner.isAlive(p) }
    func acquireLock(_ n: String, holder: String, ttl: Double) throws -> Bool { try inner.acquireLock(n, holder: holder, ttl: ttl) }
    func releaseLock(_ n: String, holder: String) throws { try inner.releaseLock(n, holder: holder) }
    func incrementCounter(_ n: String, by: Int) throws -> Int { try inner.incrementCounter(n, by: by) }
    func counter(_ n: String) throws -> Int { try inner.counter(n) }
}
