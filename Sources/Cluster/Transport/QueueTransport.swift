/// The queue fabric, independent of where it lives. `RedisTransport` is the cluster's;
/// `InMemoryTransport` runs everything in one process (`ctscreen analyze`) and is the test
/// double. Both pass the same behavioural test suite.
///
/// Queues are FIFO per lane; `take` serves the urgent lane first and moves the item into the
/// taker's processing list atomically, so a crash never loses it (the reaper returns it).
/// Every operation is thread-safe; a Redis transport serialises calls on its connection, so
/// a thread that must not wait behind a blocking take (the heartbeat) uses `companion()`.
public protocol QueueTransport: AnyObject, Sendable {
    var keys: Keys { get }

    /// A transport over the same store for use from another thread (its own connection).
    func companion() throws -> QueueTransport

    // MARK: queues
    func push(_ messages: [[UInt8]], to queue: QueueName, lane: Lane) throws
    /// Takes one item, urgent lane first, into `process`'s processing list; waits up to
    /// `timeout` seconds for one to arrive (0: do not wait). Nil when none arrived.
    func take(from queue: QueueName, process: String, timeout: Double, stop: StopFlag?) throws -> Delivery?
    /// Settles a delivery. Returns false if it was no longer in the processing list (the
    /// reaper already returned it), in which case nothing was pushed anywhere.
    @discardableResult
    func settle(_ delivery: Delivery, _ settlement: Settlement) throws -> Bool
    /// Acks a delivery, forgets its attempt count and bumps cluster-wide counters, in one
    /// round trip where the store allows. Returns what `settle(_, .ack)` returns.
    func acknowledge(_ delivery: Delivery, messageID: String, counters: [(String, Int)]) throws -> Bool
    /// Visibility timeout: sets the deadline of a held item to now + `seconds`. False (and no
    /// deadline kept) if the item is no longer in the processing list.
    @discardableResult
    func extend(_ delivery: Delivery, by seconds: Double) throws -> Bool
    /// Items of a processing list whose deadline has passed, oldest-taken last (list order);
    /// an item without a deadline gets now + `grace` and is not returned this time.
    func expiredItems(process: String, queue: QueueName, lane: Lane, grace: Double) throws -> [[UInt8]]
    func depth(_ queue: QueueName, lane: Lane) throws -> Int
    func processingItems(process: String, queue: QueueName, lane: Lane) throws -> [[UInt8]]
    /// Dead-letter records, newest first.
    func deadLetters(limit: Int) throws -> [[UInt8]]
    func deadLetterCount() throws -> Int

    // MARK: attempts (per message id)
    @discardableResult
    func addAttempts(_ messageID: String, _ delta: Int) throws -> Int
    func clearAttempts(_ messageID: String) throws

    // MARK: payloads (binary, with TTL)
    func putPayload(_ key: String, _ bytes: [UInt8], ttl: Double) throws
    func payload(_ key: String) throws -> [UInt8]?
    func payloadExists(_ key: String) throws -> Bool
    func deletePayloads(_ keys: [String]) throws

    // MARK: results (idempotent) and the exactly-once reduce hand-off
    /// Stores the result of batch `batch` of attempt `attempt` of `studyID` (the first write
    /// wins) and, if that makes `batchCount` results, pushes `reduceMessage` to the reduce
    /// queue exactly once. Nothing is written if `attempt` is not the study's current one
    /// (`stale`), so an old attempt's late results never mix with a new attempt's.
    /// The same step deletes `payloadKey` (the batch's pixels, no longer needed), so Redis
    /// holds each slice as pixels or as a result, never both.
    func writeBatchResult(studyID: String, attempt: Int, batch: Int, batchCount: Int, result: [UInt8], payloadKey: String,
                          reduceMessage: [UInt8], lane: Lane, ttl: Double) throws -> BatchResultOutcome
    /// Whether batch `batch` of the attempt has a stored result (a redelivered batch whose
    /// payload is gone because its result was stored).
    func hasBatchResult(studyID: String, attempt: Int, batch: Int) throws -> Bool
    func batchResults(studyID: String, attempt: Int) throws -> [Int: [UInt8]]
    func deleteResults(studyID: String, attempt: Int) throws

    // MARK: study state
    /// Claims `claim.studyID` for a submission and, if it is new (or `newAttempt` and the
    /// series matches), pushes `message` to `studies` in the same atomic step. Never resets
    /// or overwrites a study of another series.
    func claimStudy(_ claim: StudyClaim, message: [UInt8], lane: Lane, newAttempt: Bool) throws -> StudyClaimOutcome
    /// Applies a transition if the state machine allows it and, when `attempt` is given, it
    /// is still the study's current attempt (a stale attempt never moves the state). Returns
    /// the state after the call.
    @discardableResult
    func transition(studyID: String, to state: StudyState, attempt: Int?) throws -> StudyState
    func studyRecord(_ studyID: String) throws -> StudyRecord?
    /// The reducer's last step, atomic: if `attempt` is current and the study neither done nor
    /// failed, stores `summary` under `summaryKey` (TTL `summaryTTL`) and moves the study to
    /// `done`; whatever the state, deletes `deleting` (the attempt's payload keys and result
    /// hashes). Repeating it is harmless, so a reducer that died before it, or a redelivered
    /// reduce item, just runs it again.
    func completeStudy(studyID: String, attempt: Int, summaryKey: String, summary: [UInt8], summaryTTL: Double,
                       deleting: [String]) throws -> CompletionOutcome
    func studies(in state: StudyState.Name) throws -> [String]

    // MARK: patients over time
    /// Stores (or replaces) one time point of a patient's timeline; the timeline then expires
    /// `ttl` seconds later unless another scan comes.
    func putTimePoint(patientID: String, key: String, _ bytes: [UInt8], ttl: Double) throws
    /// Every time point of a patient (any order).
    func timePoints(patientID: String) throws -> [[UInt8]]

    // MARK: processes, heartbeats, locks, counters
    /// Dead-letters a held delivery (`record` pushed to the capped dead-letter list, its
    /// attempt count forgotten) and, with `failing`, marks that study failed — one atomic
    /// step. False, with nothing changed, if the delivery had already left the processing list.
    func deadLetterAndFail(_ delivery: Delivery, record: [UInt8], messageID: String?, failing: StudyFailure?) throws -> Bool
    /// The store's memory: bytes used and its limit (0: none set).
    func memoryUsage() throws -> MemoryUsage

    /// Seconds this transport's connection to the store has been up without interruption
    /// (since its last connect or reconnect); 0 while disconnected. A store that cannot be
    /// away (in-memory) reports a large value unless a test simulates a reconnect.
    func connectionUptime() -> Double
    func register(_ record: ProcessRecord) throws
    func deregister(_ process: String) throws
    func registeredProcesses() throws -> [ProcessRecord]
    func beat(_ process: String, ttl: Double) throws
    func isAlive(_ process: String) throws -> Bool
    /// SET NX with expiry: true if `holder` now holds `name` (or already held it).
    func acquireLock(_ name: String, holder: String, ttl: Double) throws -> Bool
    func releaseLock(_ name: String, holder: String) throws
    @discardableResult
    func incrementCounter(_ name: String, by: Int) throws -> Int
    func counter(_ name: String) throws -> Int
}

extension QueueTransport {
    public func acknowledge(_ delivery: Delivery, messageID: String, counters: [(String, Int)]) throws -> Bool {
        guard try settle(delivery, .ack) else { return false }
        try clearAttempts(messageID)
        for (name, by) in counters { try incrementCounter(name, by: by) }
        return true
    }

    public func push(_ message: [UInt8], to queue: QueueName, lane: Lane) throws {
        try push([message], to: queue, lane: lane)
    }
    /// A transition whatever the current attempt (tests, tools).
    @discardableResult
    public func transition(studyID: String, to state: StudyState) throws -> StudyState {
        try transition(studyID: studyID, to: state, attempt: nil)
    }

    /// Whether `attempt` is the study's current one (a study without a record is at attempt 1).
    public func isCurrent(studyID: String, attempt: Int) throws -> Bool {
        (try studyRecord(studyID)?.attempt ?? 1) == attempt
    }
}
