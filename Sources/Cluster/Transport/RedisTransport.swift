import Foundation
import Logging

/// The queue fabric on Redis (layout in `Keys`, scripts in `LuaScript`).
///
/// Connection loss: every operation is repeated after the connection comes back (the
/// connection reconnects with backoff). Repeating is safe for all but `push` and the
/// counters, where it may duplicate an item or over-count: delivery is at-least-once and
/// results are idempotent, so a duplicate item costs work, not correctness. A `take` whose
/// reply was lost may have moved an item into this process's processing list; it is handed
/// back to the head of its queue before the take is repeated.
public final class RedisTransport: QueueTransport, @unchecked Sendable {
    public let keys: Keys
    public let connection: RedisConnection
    private let logger: Logger
    private let stop: StopFlag?
    private let lock = NSLock()
    private var scriptSHA: [LuaScript: String] = [:]
    /// Dead-letter records kept (newest first); older ones are trimmed.
    public var deadLetterCap = ClusterDefaults.deadLetterCap

    public init(url: RedisURL, keys: Keys = .standard, options: RedisConnection.Options = .init(),
                logger: Logger = Logger(label: "ctscreen.cluster"), stop: StopFlag? = nil) throws {
        self.keys = keys
        self.logger = logger
        self.stop = stop
        self.connection = try RedisConnection(url: url, options: options, logger: logger, stop: stop)
    }

    public func companion() throws -> QueueTransport {
        try RedisTransport(url: connection.url, keys: keys, options: connection.options, logger: logger, stop: stop)
    }

    // MARK: plumbing

    /// Runs `body`, repeating it after a lost connection (backoff lives in the connection).
    private func retrying<T>(_ what: String, _ body: () throws -> T) throws -> T {
        while true {
            do { return try body() } catch let e as ClusterError where e.code == .connectionLost {
                logger.warning("Redis connection lost; repeating after reconnect", metadata: ["op": "\(what)", "error": "\(e.message)"])
                if stop?.isSet == true { throw e }
            }
        }
    }

    private func call(_ args: [any RedisArgument]) throws -> RedisReply {
        try retrying(String(describing: args.first ?? "")) {
            try connection.command(args).checked(String(describing: args.first ?? ""))
        }
    }

    private func eval(_ script: LuaScript, keys scriptKeys: [String], args: [any RedisArgument],
                      repeatOnLoss: Bool = true) throws -> RedisReply {
        if !repeatOnLoss { return try evalOnce(script, keys: scriptKeys, args: args) }
        return try retrying("script \(script.rawValue)") { try evalOnce(script, keys: scriptKeys, args: args) }
    }

    private func evalOnce(_ script: LuaScript, keys scriptKeys: [String], args: [any RedisArgument]) throws -> RedisReply {
        for _ in 0..<2 {
            let sha = try loadedSHA(script)
            let reply = try connection.command(["EVALSHA", sha, scriptKeys.count] + scriptKeys + args)
            if case .error(let e) = reply, e.hasPrefix("NOSCRIPT") {  // Redis restarted: load again
                lock.lock(); scriptSHA[script] = nil; lock.unlock()
                continue
            }
            return try reply.checked("script \(script.rawValue)")
        }
        throw ClusterError(.serverError, "script \(script.rawValue) could not be loaded")
    }

    private func loadedSHA(_ script: LuaScript) throws -> String {
        lock.lock()
        if let sha = scriptSHA[script] { lock.unlock(); return sha }
        lock.unlock()
        let reply = try connection.command(["SCRIPT", "LOAD", script.source]).checked("SCRIPT LOAD \(script.rawValue)")
        guard let sha = reply.string else { throw ClusterError(.unexpectedReply, "SCRIPT LOAD gave \(reply)") }
        lock.lock(); scriptSHA[script] = sha; lock.unlock()
        return sha
    }

    private static func ms(_ seconds: Double) -> Int { max(1, Int((seconds * 1000).rounded())) }

    // MARK: queues

    public func push(_ messages: [[UInt8]], to queue: QueueName, lane: Lane) throws {
        // Chunks keep Lua's unpack() within its stack limit.
        for start in stride(from: 0, to: messages.count, by: 1000) {
            let chunk = messages[start..<min(messages.count, start + 1000)]
            _ = try eval(.push, keys: [keys.queue(queue, lane)], args: Array(chunk))
        }
    }

    public func take(from queue: QueueName, process: String, timeout: Double, stop: StopFlag?) throws -> Delivery? {
        let deadline = Date().addingTimeInterval(max(0, timeout))
        let scriptKeys = [keys.queue(queue, .urgent), keys.queue(queue, .bulk),
                          keys.processing(process, queue, .urgent), keys.processing(process, queue, .bulk)]
        while true {
            if stop?.isSet == true { return nil }
            do {
                // Not repeated blindly on connection loss: the lost reply may have moved an item.
                let reply = try eval(.take, keys: scriptKeys, args: [], repeatOnLoss: false)
                if let pair = reply.array, pair.count == 2, let laneName = pair[0].string,
                   let lane = Lane(rawValue: laneName), let raw = pair[1].bytes {
                    return Delivery(raw: raw, queue: queue, lane: lane, process: process)
                }
                let remaining = deadline.timeIntervalSinceNow
                if remaining <= 0 { return nil }
                // Wait on the urgent lane: an urgent item is taken the moment it arrives; a bulk
                // one at the next look at both lanes (at most one poll slice later).
                let slice = max(0.01, min(ClusterDefaults.takePollSlice, remaining))
                let moved = try connection.blockingCommand(
                    ["BLMOVE", scriptKeys[0], scriptKeys[2], "RIGHT", "LEFT", String(format: "%.3f", slice)],
                    blockSeconds: slice).checked("BLMOVE")
                if let raw = moved.bytes { return Delivery(raw: raw, queue: queue, lane: .urgent, process: process) }
            } catch let e as ClusterError where e.code == .connectionLost {
                logger.warning("Redis connection lost during take; recovering", metadata: ["error": "\(e.message)"])
                if stop?.isSet == true { throw e }
                try handBackOrphans(queue: queue, process: process)
            }
        }
    }

    /// Items in our processing lists while we hold nothing came from a take whose reply was
    /// lost. (Hence the rule: one process id holds at most one item per queue at a time;
    /// concurrent consumers in one OS process use distinct process ids.)
    private func handBackOrphans(queue: QueueName, process: String) throws {
        for lane in Lane.allCases {
            for raw in try processingItems(process: process, queue: queue, lane: lane) {
                let d = Delivery(raw: raw, queue: queue, lane: lane, process: process)
                if try settle(d, .handBack) {
                    logger.notice("handed back an item whose take reply was lost", metadata: ["queue": "\(queue.rawValue)"])
                }
            }
        }
    }

    @discardableResult
    public func settle(_ delivery: Delivery, _ settlement: Settlement) throws -> Bool {
        let processing = keys.processing(delivery.process, delivery.queue, delivery.lane)
        let destination: String
        let mode: String
        let value: [UInt8]
        switch settlement {
        case .ack: (destination, mode, value) = (processing, "ack", [])
        case .handBack: (destination, mode, value) = (keys.queue(delivery.queue, delivery.lane), "head", delivery.raw)
        case .retry: (destination, mode, value) = (keys.queue(delivery.queue, delivery.lane), "tail", delivery.raw)
        case .deadLetter(let record): (destination, mode, value) = (keys.deadLetters, "tail", record)
        }
        let reply = try eval(.settle, keys: [processing, destination, inflight(delivery)], args: [delivery.raw, mode, value])
        return reply.integer == 1
    }

    private func inflight(_ d: Delivery) -> String { keys.inflight(d.process, d.queue, d.lane) }

    public func extend(_ delivery: Delivery, by seconds: Double) throws -> Bool {
        let processing = keys.processing(delivery.process, delivery.queue, delivery.lane)
        return try eval(.extend, keys: [processing, inflight(delivery)], args: [delivery.raw, Self.ms(seconds)]).integer == 1
    }

    public func expiredItems(process: String, queue: QueueName, lane: Lane, grace: Double) throws -> [[UInt8]] {
        let reply = try eval(.expired, keys: [keys.processing(process, queue, lane), keys.inflight(process, queue, lane)],
                             args: [Self.ms(grace)])
        return (reply.array ?? []).compactMap(\.bytes)
    }

    /// One pipeline: settle script (which forgets the attempt count), INCRBY counters. The counters are bumped
    /// even if the item was reclaimed meanwhile: its work was done either way.
    public func acknowledge(_ delivery: Delivery, messageID: String, counters: [(String, Int)]) throws -> Bool {
        let processing = keys.processing(delivery.process, delivery.queue, delivery.lane)
        return try retrying("acknowledge") {
            let sha = try loadedSHA(.settle)
            var commands: [[any RedisArgument]] = [
                ["EVALSHA", sha, 4, processing, processing, inflight(delivery), keys.attempts(messageID), delivery.raw, "ack", ""],
            ]
            if !counters.isEmpty {
                commands.append(["EVALSHA", try loadedSHA(.count), counters.count] + counters.map { keys.counter($0.0) }
                                + counters.map { $0.1 })
            }
            let replies = try connection.pipeline(commands)
            // A restarted Redis forgot the scripts: repeat only the part that did not run.
            var acked = replies[0].integer == 1
            if case .error(let e) = replies[0], e.hasPrefix("NOSCRIPT") {
                lock.lock(); scriptSHA[.settle] = nil; lock.unlock()
                acked = try settle(delivery, .ack)
                if acked { try clearAttempts(messageID) }
            } else {
                try replies[0].checked("script settle")
            }
            if replies.count > 1 {
                if case .error(let e) = replies[1], e.hasPrefix("NOSCRIPT") {
                    lock.lock(); scriptSHA[.count] = nil; lock.unlock()
                    _ = try eval(.count, keys: counters.map { keys.counter($0.0) }, args: counters.map { $0.1 })
                } else {
                    try replies[1].checked("script count")
                }
            }
            return acked
        }
    }

    public func depth(_ queue: QueueName, lane: Lane) throws -> Int {
        try call(["LLEN", keys.queue(queue, lane)]).integer ?? 0
    }

    public func processingItems(process: String, queue: QueueName, lane: Lane) throws -> [[UInt8]] {
        (try call(["LRANGE", keys.processing(process, queue, lane), "0", "-1"]).array ?? []).compactMap(\.bytes)
    }

    public func deadLetters(limit: Int) throws -> [[UInt8]] {
        (try call(["LRANGE", keys.deadLetters, "0", String(max(0, limit) - 1)]).array ?? []).compactMap(\.bytes)
    }

    public func deadLetterCount() throws -> Int { try call(["LLEN", keys.deadLetters]).integer ?? 0 }

    // MARK: attempts

    public func addAttempts(_ messageID: String, _ delta: Int) throws -> Int {
        try eval(.attempt, keys: [keys.attempts(messageID)], args: [delta, Self.ms(ClusterDefaults.attemptsTTL)]).integer ?? 0
    }

    public func clearAttempts(_ messageID: String) throws { _ = try call(["DEL", keys.attempts(messageID)]) }

    // MARK: payloads

    public func putPayload(_ key: String, _ bytes: [UInt8], ttl: Double) throws {
        _ = try eval(.putPayload, keys: [key], args: [bytes, Self.ms(ttl)])
    }

    public func payload(_ key: String) throws -> [UInt8]? { try call(["GET", key]).bytes }

    public func payloadExists(_ key: String) throws -> Bool { try call(["EXISTS", key]).integer == 1 }

    public func deletePayloads(_ keyList: [String]) throws {
        guard !keyList.isEmpty else { return }
        _ = try call(["DEL"] + keyList)
    }

    // MARK: results

    public func writeBatchResult(studyID: String, attempt: Int, batch: Int, batchCount: Int, result: [UInt8], payloadKey: String,
                                 reduceMessage: [UInt8], lane: Lane, ttl: Double) throws -> BatchResultOutcome {
        let reply = try eval(.batchResult,
                             keys: [keys.results(studyID, attempt: attempt), keys.study(studyID), keys.queue(.reduce, lane), payloadKey],
                             args: [Keys.resultField(batch: batch), result, batchCount, reduceMessage,
                                    max(1, Int(ttl.rounded(.up))), attempt])
        guard let parts = reply.array, parts.count == 3 else { throw ClusterError(.unexpectedReply, "batch result script gave \(reply)") }
        return BatchResultOutcome(stored: parts[0].integer == 1, reduceEnqueued: parts[1].integer == 1, stale: parts[2].integer == 1)
    }

    public func hasBatchResult(studyID: String, attempt: Int, batch: Int) throws -> Bool {
        try call(["HEXISTS", keys.results(studyID, attempt: attempt), Keys.resultField(batch: batch)]).integer == 1
    }

    public func batchResults(studyID: String, attempt: Int) throws -> [Int: [UInt8]] {
        let flat = try call(["HGETALL", keys.results(studyID, attempt: attempt)]).array ?? []
        var out: [Int: [UInt8]] = [:]
        var i = 0
        while i + 1 < flat.count {
            if let field = flat[i].string, field.hasPrefix("batch:"), let n = Int(field.dropFirst(6)), let v = flat[i + 1].bytes {
                out[n] = v
            }
            i += 2
        }
        return out
    }

    public func deleteResults(studyID: String, attempt: Int) throws { _ = try call(["DEL", keys.results(studyID, attempt: attempt)]) }

    // MARK: study state

    public func claimStudy(_ claim: StudyClaim, message: [UInt8], lane: Lane, newAttempt: Bool) throws -> StudyClaimOutcome {
        let reply = try eval(.claim,
                             keys: [keys.study(claim.studyID)] + StudyState.Name.allCases.map { keys.studies(in: $0) }
                                 + [keys.queue(.studies, lane)],
                             args: [claim.studyID, claim.identity, claim.label, String(Date().timeIntervalSince1970),
                                    newAttempt ? "1" : "0", claim.attempt, message, claim.token])
        guard let p = reply.array, p.count == 7, let outcome = p[0].string, let attempt = p[1].integer,
              let name = p[2].string.flatMap(StudyState.Name.init(rawValue:))
        else { throw ClusterError(.unexpectedReply, "claim script gave \(reply)") }
        let record = StudyRecord(studyID: claim.studyID, state: StudyState(name: name, reason: p[3].string ?? ""),
                                 updated: Double(p[4].string ?? "") ?? 0, attempt: attempt,
                                 identity: p[5].string ?? "", label: p[6].string ?? "")
        switch outcome {
        case "claimed": return .claimed(attempt: attempt)
        case "exists": return .exists(record)
        case "clash": return .clash(existingIdentity: record.identity)
        case "changed": return .attemptChanged
        default: throw ClusterError(.unexpectedReply, "claim script gave outcome '\(outcome)'")
        }
    }

    public func transition(studyID: String, to state: StudyState, attempt: Int?) throws -> StudyState {
        let reply = try eval(.transition,
                             keys: [keys.study(studyID)] + StudyState.Name.allCases.map { keys.studies(in: $0) },
                             args: [studyID, state.name.rawValue, state.reason, String(Date().timeIntervalSince1970),
                                    attempt.map(String.init) ?? ""])
        guard let parts = reply.array, parts.count == 3, let name = parts[1].string.flatMap(StudyState.Name.init(rawValue:)) else {
            throw ClusterError(.unexpectedReply, "transition script gave \(reply)")
        }
        return StudyState(name: name, reason: parts[2].string ?? "")
    }

    public func completeStudy(studyID: String, attempt: Int, summaryKey: String, summary: [UInt8], summaryTTL: Double,
                              deleting: [String]) throws -> CompletionOutcome {
        let reply = try eval(.complete,
                             keys: [keys.study(studyID), keys.studies(in: .done)] + StudyState.Name.allCases.map { keys.studies(in: $0) }
                                 + [summaryKey] + deleting,
                             args: [studyID, attempt, String(Date().timeIntervalSince1970), summary, Self.ms(summaryTTL)])
        guard let p = reply.array, p.count == 2, let outcome = p[0].string else {
            throw ClusterError(.unexpectedReply, "complete script gave \(reply) for study \(studyID)")
        }
        switch outcome {
        case "completed": return .completed
        case "done": return .alreadyDone
        case "stale": return .stale
        case "failed": return .failed(reason: p[1].string ?? "")
        default: throw ClusterError(.unexpectedReply, "complete script gave outcome '\(outcome)' for study \(studyID)")
        }
    }

    public func deadLetterAndFail(_ delivery: Delivery, record: [UInt8], messageID: String?, failing: StudyFailure?) throws -> Bool {
        let processing = keys.processing(delivery.process, delivery.queue, delivery.lane)
        // Without a message id there is no count to forget: name a key that never exists.
        let attempts = messageID.map { keys.attempts($0) } ?? keys.attempts("-")
        let reply = try eval(.deadLetter,
                             keys: [processing, keys.deadLetters, inflight(delivery), attempts,
                                    failing.map { keys.study($0.studyID) } ?? keys.study("-")]
                                 + StudyState.Name.allCases.map { keys.studies(in: $0) } + (failing?.freeing ?? []),
                             args: [delivery.raw, record, deadLetterCap, failing?.studyID ?? "",
                                    failing?.reason ?? "", String(Date().timeIntervalSince1970),
                                    failing?.attempt.map(String.init) ?? ""])
        guard let p = reply.array, p.count == 2 else { throw ClusterError(.unexpectedReply, "dead-letter script gave \(reply)") }
        return p[0].integer == 1
    }

    /// INFO memory: `used_memory` and `maxmemory`.
    public func memoryUsage() throws -> MemoryUsage {
        guard let text = try call(["INFO", "memory"]).string else { throw ClusterError(.unexpectedReply, "INFO memory gave no text") }
        var fields: [String: Int] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let v = Int(parts[1].trimmingCharacters(in: .whitespaces)) { fields[String(parts[0])] = v }
        }
        guard let used = fields["used_memory"] else { throw ClusterError(.unexpectedReply, "INFO memory has no used_memory") }
        return MemoryUsage(used: used, limit: fields["maxmemory"] ?? 0)
    }

    public func putTimePoint(patientID: String, key: String, _ bytes: [UInt8], ttl: Double) throws {
        _ = try call(["HSET", keys.timeline(patientID), key, bytes])
        _ = try call(["PEXPIRE", keys.timeline(patientID), Self.ms(ttl)])
    }

    public func timePoints(patientID: String) throws -> [[UInt8]] {
        // HGETALL answers field, value, field, value, …
        let all = try call(["HGETALL", keys.timeline(patientID)]).array ?? []
        return stride(from: 1, to: all.count, by: 2).compactMap { all[$0].bytes }
    }

    public func studyRecord(_ studyID: String) throws -> StudyRecord? {
        let flat = try call(["HMGET", keys.study(studyID), "state", "reason", "updated", "attempt", "identity", "label"]).array ?? []
        guard flat.count == 6, let name = flat[0].string.flatMap(StudyState.Name.init(rawValue:)) else { return nil }
        return StudyRecord(studyID: studyID, state: StudyState(name: name, reason: flat[1].string ?? ""),
                           updated: Double(flat[2].string ?? "") ?? 0, attempt: flat[3].string.flatMap { Int($0) } ?? 1,
                           identity: flat[4].string ?? "", label: flat[5].string ?? "")
    }

    public func studies(in state: StudyState.Name) throws -> [String] {
        (try call(["SMEMBERS", keys.studies(in: state)]).array ?? []).compactMap(\.string).sorted()
    }

    // MARK: processes, heartbeats, locks, counters

    public func register(_ record: ProcessRecord) throws {
        let json = try JSONEncoder().encode(record)
        _ = try call(["HSET", keys.processes, record.id, Array(json)])
    }

    public func deregister(_ process: String) throws {
        _ = try call(["HDEL", keys.processes, process])
        _ = try call(["DEL", keys.heartbeat(process)])
    }

    public func registeredProcesses() throws -> [ProcessRecord] {
        let flat = try call(["HGETALL", keys.processes]).array ?? []
        var out: [ProcessRecord] = []
        var i = 0
        while i + 1 < flat.count {
            if let bytes = flat[i + 1].bytes, let r = try? JSONDecoder().decode(ProcessRecord.self, from: Data(bytes)) {
                out.append(r)
            } else if let id = flat[i].string {
                // An unreadable record still names a process whose items may need reaping.
                out.append(ProcessRecord(id: id, role: "unknown", host: "", pid: 0, started: 0))
            }
            i += 2
        }
        return out.sorted { $0.id < $1.id }
    }

    public func beat(_ process: String, ttl: Double) throws {
        _ = try eval(.beat, keys: [keys.heartbeat(process)], args: [String(Date().timeIntervalSince1970), Self.ms(ttl)])
    }

    public func connectionUptime() -> Double { connection.uptime }

    public func isAlive(_ process: String) throws -> Bool { try call(["EXISTS", keys.heartbeat(process)]).integer == 1 }

    public func acquireLock(_ name: String, holder: String, ttl: Double) throws -> Bool {
        try eval(.lock, keys: [name], args: [holder, Self.ms(ttl)]).integer == 1
    }

    public func releaseLock(_ name: String, holder: String) throws {
        // Compare and delete atomically (a GET then DEL could delete a lock taken over meanwhile).
        _ = try eval(.releaseLock, keys: [name], args: [holder])
    }

    public func incrementCounter(_ name: String, by: Int) throws -> Int {
        try eval(.count, keys: [keys.counter(name)], args: [by]).array?.first?.integer ?? 0
    }

    public func counter(_ name: String) throws -> Int { try call(["GET", keys.counter(name)]).integer ?? 0 }
}
