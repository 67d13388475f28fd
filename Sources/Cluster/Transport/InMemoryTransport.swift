import Foundation

/// The queue fabric inside one process: what `ctscreen analyze` uses (no Redis) and the
/// test double of `RedisTransport`. Same key names, same semantics, one lock.
///
/// Lists keep Redis's order (index 0 = left): push inserts on the left, take removes from
/// the right, hand-back appends on the right. Strings (payloads, heartbeats, locks) honour
/// their TTL on a monotonic clock; result hashes do not expire (a process's lifetime bounds them).
public final class InMemoryTransport: QueueTransport, @unchecked Sendable {
    public let keys: Keys
    private let cond = NSCondition()
    private var lists: [String: [[UInt8]]] = [:]
    private var strings: [String: (value: [UInt8], expires: Double?)] = [:]
    private var hashes: [String: [String: [UInt8]]] = [:]
    private var sets: [String: Set<String>] = [:]
    /// Deadlines (monotonic seconds) per `Keys.inflight` key, like the Redis zsets.
    private var deadlines: [String: [[UInt8]: Double]] = [:]

    /// Plays Redis's `maxmemory` (bytes of values held; nil: none): `memoryUsage` reports it
    /// and `claimStudy` is refused with `outOfMemory` above it, like Redis refuses the claim
    /// script. (Tests of admission and back-pressure.)
    public var memoryLimit: Int? {
        get { locked { limit } }
        set { locked { limit = newValue } }
    }
    private var limit: Int?

    public init(keys: Keys = .standard) { self.keys = keys }

    public func companion() throws -> QueueTransport { self }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        cond.lock(); defer { cond.unlock() }
        return try body()
    }

    private func liveString(_ key: String) -> [UInt8]? {
        guard let entry = strings[key] else { return nil }
        if let e = entry.expires, e <= Self.now() { strings[key] = nil; return nil }
        return entry.value
    }

    // MARK: queues

    public func push(_ messages: [[UInt8]], to queue: QueueName, lane: Lane) throws {
        locked {
            lists[keys.queue(queue, lane), default: []].insert(contentsOf: messages.reversed(), at: 0)
            cond.broadcast()
        }
    }

    public func take(from queue: QueueName, process: String, timeout: Double, stop: StopFlag?) throws -> Delivery? {
        let deadline = Date().addingTimeInterval(max(0, timeout))
        cond.lock(); defer { cond.unlock() }
        while true {
            for lane in Lane.allCases {  // urgent first
                let key = keys.queue(queue, lane)
                if let raw = lists[key]?.popLast() {
                    lists[keys.processing(process, queue, lane), default: []].insert(raw, at: 0)
                    return Delivery(raw: raw, queue: queue, lane: lane, process: process)
                }
            }
            if stop?.isSet == true || Date() >= deadline { return nil }
            // Short waits so a stop request is seen even when nobody pushes.
            _ = cond.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
    }

    public func settle(_ delivery: Delivery, _ settlement: Settlement) throws -> Bool {
        locked {
            let pkey = keys.processing(delivery.process, delivery.queue, delivery.lane)
            guard let i = lists[pkey]?.firstIndex(of: delivery.raw) else { return false }
            lists[pkey]!.remove(at: i)
            if !lists[pkey]!.contains(delivery.raw) { forgetDeadline(delivery) }
            let qkey = keys.queue(delivery.queue, delivery.lane)
            switch settlement {
            case .ack: break
            case .handBack: lists[qkey, default: []].append(delivery.raw)
            case .retry: lists[qkey, default: []].insert(delivery.raw, at: 0)
            case .deadLetter(let record): lists[keys.deadLetters, default: []].insert(record, at: 0)
            }
            cond.broadcast()
            return true
        }
    }

    private func forgetDeadline(_ d: Delivery) {
        deadlines[keys.inflight(d.process, d.queue, d.lane)]?[d.raw] = nil
    }

    public func extend(_ delivery: Delivery, by seconds: Double) throws -> Bool {
        locked {
            let pkey = keys.processing(delivery.process, delivery.queue, delivery.lane)
            guard lists[pkey]?.contains(delivery.raw) == true else { forgetDeadline(delivery); return false }
            deadlines[keys.inflight(delivery.process, delivery.queue, delivery.lane), default: [:]][delivery.raw] = Self.now() + seconds
            return true
        }
    }

    /// Same rule as the `expired` script (LuaScripts.swift).
    public func expiredItems(process: String, queue: QueueName, lane: Lane, grace: Double) throws -> [[UInt8]] {
        locked {
            let ikey = keys.inflight(process, queue, lane)
            let items = lists[keys.processing(process, queue, lane)] ?? []
            if items.isEmpty { deadlines[ikey] = nil; return [] }
            let now = Self.now()
            var out: [[UInt8]] = []
            for item in items {
                if let d = deadlines[ikey]?[item] {
                    if d <= now { out.append(item) }
                } else {
                    deadlines[ikey, default: [:]][item] = now + grace
                }
            }
            return out
        }
    }

    public func depth(_ queue: QueueName, lane: Lane) throws -> Int { locked { lists[keys.queue(queue, lane)]?.count ?? 0 } }

    public func processingItems(process: String, queue: QueueName, lane: Lane) throws -> [[UInt8]] {
        locked { lists[keys.processing(process, queue, lane)] ?? [] }
    }

    public func putTimePoint(patientID: String, key: String, _ bytes: [UInt8], ttl: Double) throws {
        locked { hashes[keys.timeline(patientID), default: [:]][key] = bytes }
    }

    public func timePoints(patientID: String) throws -> [[UInt8]] {
        locked { (hashes[keys.timeline(patientID)] ?? [:]).sorted { $0.key < $1.key }.map(\.value) }
    }

    public func deadLetters(limit: Int) throws -> [[UInt8]] { locked { Array((lists[keys.deadLetters] ?? []).prefix(limit)) } }

    public func deadLetterCount() throws -> Int { locked { lists[keys.deadLetters]?.count ?? 0 } }

    // MARK: attempts

    public func addAttempts(_ messageID: String, _ delta: Int) throws -> Int {
        locked {
            let key = keys.attempts(messageID)
            let current = liveString(key).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
            strings[key] = (Array(String(current + delta).utf8), Self.now() + ClusterDefaults.attemptsTTL)
            return current + delta
        }
    }

    public func clearAttempts(_ messageID: String) throws { locked { strings[keys.attempts(messageID)] = nil } }

    // MARK: payloads

    public func putPayload(_ key: String, _ bytes: [UInt8], ttl: Double) throws {
        locked { strings[key] = (bytes, Self.now() + ttl) }
    }

    public func payload(_ key: String) throws -> [UInt8]? { locked { liveString(key) } }

    public func payloadExists(_ key: String) throws -> Bool { locked { liveString(key) != nil } }

    public func deletePayloads(_ keyList: [String]) throws { locked { for k in keyList { strings[k] = nil } } }

    // MARK: results

    public func writeBatchResult(studyID: String, attempt: Int, batch: Int, batchCount: Int, result: [UInt8], payloadKey: String,
                                 reduceMessage: [UInt8], lane: Lane, ttl: Double) throws -> BatchResultOutcome {
        locked {
            strings[payloadKey] = nil
            let skey = keys.study(studyID)
            let state = hashes[skey]?["state"].map { String(decoding: $0, as: UTF8.self) }
            guard currentAttempt(skey) == attempt, state != "done", state != "failed" else {
                return BatchResultOutcome(stored: false, reduceEnqueued: false, stale: true)
            }
            let rkey = keys.results(studyID, attempt: attempt)
            let field = Keys.resultField(batch: batch)
            var stored = false
            if hashes[rkey]?[field] == nil { hashes[rkey, default: [:]][field] = result; stored = true }
            var enqueued = false
            if (hashes[rkey]?.count ?? 0) >= batchCount, hashes[skey]?["reduce_enqueued"] == nil {
                hashes[skey, default: [:]]["reduce_enqueued"] = Array("1".utf8)
                lists[keys.queue(.reduce, lane), default: []].insert(reduceMessage, at: 0)
                enqueued = true
                cond.broadcast()
            }
            return BatchResultOutcome(stored: stored, reduceEnqueued: enqueued)
        }
    }

    public func hasBatchResult(studyID: String, attempt: Int, batch: Int) throws -> Bool {
        locked { hashes[keys.results(studyID, attempt: attempt)]?[Keys.resultField(batch: batch)] != nil }
    }

    public func batchResults(studyID: String, attempt: Int) throws -> [Int: [UInt8]] {
        locked {
            var out: [Int: [UInt8]] = [:]
            for (field, value) in hashes[keys.results(studyID, attempt: attempt)] ?? [:] {
                if field.hasPrefix("batch:"), let n = Int(field.dropFirst(6)) { out[n] = value }
            }
            return out
        }
    }

    public func deleteResults(studyID: String, attempt: Int) throws {
        locked { hashes[keys.results(studyID, attempt: attempt)] = nil }
    }

    // MARK: study state

    /// The attempt a study hash records (1 when it has none). Call with the lock held.
    private func currentAttempt(_ skey: String) -> Int {
        hashes[skey]?["attempt"].flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 1
    }

    /// Same steps as the `claim` script (LuaScripts.swift), under the one lock.
    public func claimStudy(_ claim: StudyClaim, message: [UInt8], lane: Lane, newAttempt: Bool) throws -> StudyClaimOutcome {
        try locked {
            if let limit, bytesHeld() > limit {
                throw ClusterError(.outOfMemory, "claim: OOM command not allowed when used memory > 'maxmemory' (in-memory limit \(limit))")
            }
            let skey = keys.study(claim.studyID)
            let text = { (f: String) in self.hashes[skey]?[f].map { String(decoding: $0, as: UTF8.self) } }
            let attempt = currentAttempt(skey)
            let current = text("state").flatMap(StudyState.Name.init(rawValue:))
            if let current {
                if text("claimed_by") == claim.token, attempt == claim.attempt { return .claimed(attempt: attempt) }
                let known = text("identity") ?? ""
                if !known.isEmpty, known != claim.identity { return .clash(existingIdentity: known) }
                if !newAttempt {
                    return .exists(StudyRecord(studyID: claim.studyID, state: StudyState(name: current, reason: text("reason") ?? ""),
                                               updated: Double(text("updated") ?? "") ?? 0, attempt: attempt,
                                               identity: known, label: text("label") ?? ""))
                }
                guard claim.attempt == attempt + 1 else { return .attemptChanged }
                sets[keys.studies(in: current)]?.remove(claim.studyID)
            } else if claim.attempt != 1 {
                return .attemptChanged
            }
            sets[keys.studies(in: .queued), default: []].insert(claim.studyID)
            var hash = hashes[skey] ?? [:]
            for (field, value) in [("state", "queued"), ("reason", ""), ("updated", String(Date().timeIntervalSince1970)),
                                   ("attempt", String(claim.attempt)), ("identity", claim.identity), ("label", claim.label),
                                   ("claimed_by", claim.token)] {
                hash[field] = Array(value.utf8)
            }
            hash["reduce_enqueued"] = nil
            hashes[skey] = hash
            lists[keys.queue(.studies, lane), default: []].insert(message, at: 0)
            cond.broadcast()
            return .claimed(attempt: claim.attempt)
        }
    }

    public func transition(studyID: String, to state: StudyState, attempt: Int?) throws -> StudyState {
        locked { move(studyID: studyID, to: state, attempt: attempt) }
    }

    public func deadLetterAndFail(_ delivery: Delivery, record: [UInt8], messageID: String?, failing: StudyFailure?) throws -> Bool {
        locked {
            let pkey = keys.processing(delivery.process, delivery.queue, delivery.lane)
            guard let i = lists[pkey]?.firstIndex(of: delivery.raw) else { return false }
            lists[pkey]!.remove(at: i)
            if !lists[pkey]!.contains(delivery.raw) { forgetDeadline(delivery) }
            lists[keys.deadLetters, default: []].insert(record, at: 0)
            if lists[keys.deadLetters]!.count > ClusterDefaults.deadLetterCap {
                lists[keys.deadLetters]!.removeLast(lists[keys.deadLetters]!.count - ClusterDefaults.deadLetterCap)
            }
            if let messageID { strings[keys.attempts(messageID)] = nil }
            if let failing, move(studyID: failing.studyID, to: .failed(failing.reason), attempt: failing.attempt)
                == .failed(failing.reason) {
                for k in failing.freeing { strings[k] = nil; hashes[k] = nil }
            }
            return true
        }
    }

    /// Bytes of every value held (keys and bookkeeping not counted).
    private func bytesHeld() -> Int {
        strings.values.reduce(0) { $0 + $1.value.count } + lists.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
            + hashes.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } }
    }

    public func memoryUsage() throws -> MemoryUsage { locked { MemoryUsage(used: bytesHeld(), limit: limit ?? 0) } }

    /// Same rules as the `transition` script (LuaScripts.swift). Call with the lock held.
    private func move(studyID: String, to state: StudyState, attempt: Int?) -> StudyState {
        let skey = keys.study(studyID)
        let hash = hashes[skey] ?? [:]
        let current = hash["state"].flatMap { StudyState.Name(rawValue: String(decoding: $0, as: UTF8.self)) }
        let reason = hash["reason"].map { String(decoding: $0, as: UTF8.self) } ?? ""
        if let attempt, currentAttempt(skey) != attempt {
            return StudyState(name: current ?? state.name, reason: reason)  // a stale attempt moves nothing
        }
        if !StudyState.allows(from: current, to: state.name), let current {
            return StudyState(name: current, reason: reason)
        }
        if let current { sets[keys.studies(in: current)]?.remove(studyID) }
        sets[keys.studies(in: state.name), default: []].insert(studyID)
        hashes[skey, default: [:]]["state"] = Array(state.name.rawValue.utf8)
        hashes[skey]!["reason"] = Array(state.reason.utf8)
        hashes[skey]!["updated"] = Array(String(Date().timeIntervalSince1970).utf8)
        return state
    }

    /// Same steps as the `complete` script (LuaScripts.swift), under the one lock.
    public func completeStudy(studyID: String, attempt: Int, summaryKey: String, summary: [UInt8], summaryTTL: Double,
                              deleting: [String]) throws -> CompletionOutcome {
        locked {
            for k in deleting { strings[k] = nil; hashes[k] = nil }
            let skey = keys.study(studyID)
            guard currentAttempt(skey) == attempt else { return .stale }
            let text = { (f: String) in self.hashes[skey]?[f].map { String(decoding: $0, as: UTF8.self) } }
            let current = text("state").flatMap(StudyState.Name.init(rawValue:))
            if current == .done { return .alreadyDone }
            if current == .failed { return .failed(reason: text("reason") ?? "") }
            strings[summaryKey] = (summary, Self.now() + summaryTTL)
            if let current { sets[keys.studies(in: current)]?.remove(studyID) }
            sets[keys.studies(in: .done), default: []].insert(studyID)
            hashes[skey, default: [:]]["state"] = Array("done".utf8)
            hashes[skey]!["reason"] = []
            hashes[skey]!["updated"] = Array(String(Date().timeIntervalSince1970).utf8)
            return .completed
        }
    }

    public func studyRecord(_ studyID: String) throws -> StudyRecord? {
        locked {
            guard let hash = hashes[keys.study(studyID)],
                  let name = hash["state"].flatMap({ StudyState.Name(rawValue: String(decoding: $0, as: UTF8.self)) })
            else { return nil }
            let text = { (f: String) in hash[f].map { String(decoding: $0, as: UTF8.self) } ?? "" }
            return StudyRecord(studyID: studyID, state: StudyState(name: name, reason: text("reason")),
                               updated: Double(text("updated")) ?? 0, attempt: Int(text("attempt")) ?? 1,
                               identity: text("identity"), label: text("label"))
        }
    }

    public func studies(in state: StudyState.Name) throws -> [String] { locked { (sets[keys.studies(in: state)] ?? []).sorted() } }

    // MARK: processes, heartbeats, locks, counters

    public func register(_ record: ProcessRecord) throws {
        let json = Array(try JSONEncoder().encode(record))
        locked { hashes[keys.processes, default: [:]][record.id] = json }
    }

    public func deregister(_ process: String) throws {
        locked {
            hashes[keys.processes]?[process] = nil
            strings[keys.heartbeat(process)] = nil
        }
    }

    public func registeredProcesses() throws -> [ProcessRecord] {
        locked {
            (hashes[keys.processes] ?? [:]).map { id, json in
                (try? JSONDecoder().decode(ProcessRecord.self, from: Data(json)))
                    ?? ProcessRecord(id: id, role: "unknown", host: "", pid: 0, started: 0)
            }.sorted { $0.id < $1.id }
        }
    }

    public func beat(_ process: String, ttl: Double) throws {
        locked { strings[keys.heartbeat(process)] = (Array(String(Date().timeIntervalSince1970).utf8), Self.now() + ttl) }
    }

    /// Monotonic time of the last simulated reconnect (never: the store is never away).
    private var reconnectedAt = -Double.infinity

    public func connectionUptime() -> Double { locked { Self.now() - reconnectedAt } }

    /// Test hook: behave as if the connection to the store had just come back after an outage.
    public func simulateReconnect() { locked { reconnectedAt = Self.now() } }

    public func isAlive(_ process: String) throws -> Bool { locked { liveString(keys.heartbeat(process)) != nil } }

    public func acquireLock(_ name: String, holder: String, ttl: Double) throws -> Bool {
        locked {
            if let current = liveString(name) { return current == Array(holder.utf8) }
            strings[name] = (Array(holder.utf8), Self.now() + ttl)
            return true
        }
    }

    public func releaseLock(_ name: String, holder: String) throws {
        locked { if liveString(name) == Array(holder.utf8) { strings[name] = nil } }
    }

    public func incrementCounter(_ name: String, by: Int) throws -> Int {
        locked {
            let key = keys.counter(name)
            let value = (liveString(key).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0) + by
            strings[key] = (Array(String(value).utf8), nil)
            return value
        }
    }

    public func counter(_ name: String) throws -> Int {
        locked { liveString(keys.counter(name)).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0 }
    }
}
