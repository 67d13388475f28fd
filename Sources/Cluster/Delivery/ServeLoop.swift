import Foundation
import Logging

/// What a handler may throw besides ordinary errors (which are retried).
public enum HandlerError: Error, Equatable {
    /// The item can never succeed (not a CT series, unreadable file): dead-letter it now.
    case permanent(String)
    /// Put the item back at the head of its queue untouched (graceful stop mid-item).
    case handBack
}

/// What a handler gets besides the message.
public struct HandlerContext {
    public var envelope: Envelope
    public var delivery: Delivery
    /// 1 on first delivery.
    public var attempt: Int
    public var transport: QueueTransport
    /// Logger with "process.id", "study.id" and "message.id" metadata.
    public var logger: Logger
    /// Long handlers look at it and throw `HandlerError.handBack` to stop early.
    public var stop: StopFlag
    public var metrics: MetricsRegistry?
    /// Keeps the item's visibility deadline moving (nil outside a serve loop).
    public var held: HeldItem?

    /// Tells the cluster the handler is alive and moving: call between steps. A handler
    /// silent for a whole visibility timeout is taken for hung and loses the item.
    public func progress() { held?.progress() }
}

/// How one taken item ended.
public enum ItemOutcome: Equatable, Sendable {
    case acked
    case retried(String)
    case deadLettered(DeadLetter.Cause, String)
    case handedBack
    /// The item left our processing list before we settled it (our heartbeat lapsed and the
    /// reaper returned it); its results, written idempotently, still count.
    case reclaimed
}

public struct ServeConfiguration: Sendable {
    public var queue: QueueName
    public var role: String
    public var processID: String
    public var maxAttempts = ClusterDefaults.maxAttempts
    public var maxMessageBytes = ClusterDefaults.maxMessageBytes
    /// How long one take waits before the loop looks at the stop flag and the reaper again.
    public var takeTimeout: Double = 1
    public var heartbeatInterval = ClusterDefaults.heartbeatInterval
    public var heartbeatSlack = ClusterDefaults.heartbeatSlack
    /// Run a reaper pass this often (seconds); nil: this process never reaps.
    public var reapInterval: Double? = ClusterDefaults.reapInterval
    /// The reaper declares processes dead only after its connection has been up this long
    /// (see `ClusterDefaults.outageGrace`).
    public var outageGrace = ClusterDefaults.outageGrace
    /// Seconds without handler progress after which the item in hand may be taken back.
    public var visibilityTimeout = ClusterDefaults.visibilityTimeout

    public init(queue: QueueName, role: String, processID: String? = nil) {
        self.queue = queue
        self.role = role
        self.processID = processID ?? ProcessRecord.makeID(role: role)
    }
}

/// The generic role loop: take → validate → handle → ack, or retry, or dead-letter, or hand
/// back; heartbeat while running; reap dead processes now and then; stop cleanly on the
/// stop flag (the item in hand is finished or handed back, then the loop returns).
///
/// Every taken item ends acked, back in its queue, or dead-lettered before the next take:
/// when a Redis command fails mid-item the item is handed back (see `giveBack`), never left
/// in the processing list of a process that goes on serving.
public final class ServeLoop: @unchecked Sendable {
    public typealias Handler = (Envelope, HandlerContext) throws -> Void

    public let configuration: ServeConfiguration
    public let transport: QueueTransport
    public let stop: StopFlag
    public let metrics: MetricsRegistry?
    private let codec: MessageCodec
    private var logger: Logger
    private var lastReap = Date.distantPast
    public let held: HeldItem
    /// Bookkeeping failures per message id on this process (the shared attempt counter may
    /// be the command that fails, e.g. NOPERM on HINCRBY).
    private var strikes: [String: Int] = [:]
    private var failureStreak = 0
    /// Consecutive items handed back because Redis was full (sets the back-pressure pause).
    private var outOfMemoryStreak = 0
    /// Set when an item could not be handed back before a stop: the process then exits
    /// registered, so its heartbeat lapses and the reaper returns the item.
    private var abandoned = false

    public init(transport: QueueTransport, configuration: ServeConfiguration, stop: StopFlag,
                metrics: MetricsRegistry? = nil, logger: Logger = Logger(label: "ctscreen.cluster")) {
        self.transport = transport
        self.configuration = configuration
        self.stop = stop
        self.metrics = metrics
        self.codec = MessageCodec(keys: transport.keys, maxMessageBytes: configuration.maxMessageBytes)
        self.held = HeldItem(visibilityTimeout: configuration.visibilityTimeout)
        var l = logger
        l[metadataKey: "process.id"] = "\(configuration.processID)"
        self.logger = l
    }

    /// Serves until the stop flag is set. Registers and heartbeats the process meanwhile and
    /// deregisters it at the end. Environmental errors are logged and serving goes on.
    public func run(_ handler: Handler) throws {
        let record = ProcessRecord(id: configuration.processID, role: configuration.role)
        let heartbeat = Heartbeat(transport: try transport.companion(), record: record,
                                  interval: configuration.heartbeatInterval, slack: configuration.heartbeatSlack, logger: logger)
        heartbeat.held = held
        try heartbeat.start()
        logger.info("serving", metadata: ["queue": "\(configuration.queue.rawValue)", "role": "\(configuration.role)"])
        defer {
            heartbeat.stop(deregister: !abandoned)
            logger.info("stopped", metadata: ["queue": "\(configuration.queue.rawValue)"])
        }
        while !stop.isSet {
            do {
                try reapIfDue()
                _ = try step(handler, timeout: configuration.takeTimeout)
            } catch let e as ClusterError where e.code == .stopped {
                break
            } catch let e as ClusterError where e.code == .permissionDenied {
                // Every item would fail the same way here: stop serving and say why; other
                // processes (or this one, once its ACL is fixed) do the work.
                logger.critical("this process's Redis user lacks a command it needs; stopping", metadata: ["error": "\(e.message)"])
                throw ClusterError(.permissionDenied, "\(configuration.role) \(configuration.processID) cannot serve: \(e.message). "
                                   + "Give its Redis user the commands of its role (Deploy/README.md, ACL)")
            } catch {
                logger.error("serve loop error; continuing", metadata: ["error": "\(error)"])
                stop.sleep(0.5)
                handBackOrphans()
            }
        }
    }

    /// Between items this process holds nothing: whatever is in its processing lists came
    /// from a take that failed half-way (e.g. the deadline write after the move). Back to the head.
    private func handBackOrphans() {
        for lane in Lane.allCases {
            do {
                for raw in try transport.processingItems(process: configuration.processID, queue: configuration.queue, lane: lane) {
                    let d = Delivery(raw: raw, queue: configuration.queue, lane: lane, process: configuration.processID)
                    if try transport.settle(d, .handBack) { logger.notice("handed back an item left by a failed take") }
                }
            } catch {
                logger.warning("could not hand back orphaned items; the reaper will", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Runs a reaper pass if `reapInterval` has passed since the last one; also samples
    /// queue depths for the metrics.
    public func reapIfDue() throws {
        guard let interval = configuration.reapInterval, Date().timeIntervalSince(lastReap) >= interval else { return }
        lastReap = Date()
        let reaper = Reaper(transport: transport, holder: configuration.processID, maxAttempts: configuration.maxAttempts,
                            visibilityTimeout: configuration.visibilityTimeout, outageGrace: configuration.outageGrace,
                            maxMessageBytes: configuration.maxMessageBytes, logger: logger)
        if let report = try reaper.runOnce() {
            metrics?.increment("ctscreen_reaper_recovered_total", by: Double(report.items.count),
                               help: "Items the reaper took back from dead processes or past their visibility timeout")
        }
        if let metrics {
            for queue in QueueName.allCases {
                for lane in Lane.allCases {
                    metrics.set("ctscreen_queue_depth", Double(try transport.depth(queue, lane: lane)),
                                labels: ["queue": queue.rawValue, "lane": lane.rawValue], help: "Queue length last seen")
                }
            }
            metrics.set("ctscreen_dead_letters", Double(try transport.deadLetterCount()), help: "Dead-letter list length last seen")
        }
    }

    /// Takes one item (waiting up to `timeout`) and handles it. Nil when none arrived.
    public func step(_ handler: Handler, timeout: Double) throws -> ItemOutcome? {
        let queue = configuration.queue
        guard let delivery = try transport.take(from: queue, process: configuration.processID, timeout: timeout, stop: stop)
        else { return nil }
        let started = Date()
        held.hold(delivery)
        defer { held.hold(nil) }
        let outcome: ItemOutcome
        do {
            try held.extend(on: transport)  // the first deadline: take time + timeout
            outcome = try handle(delivery, handler)
            failureStreak = 0
            if outcome != .handedBack { outOfMemoryStreak = 0 }
        } catch let e as ClusterError where e.code == .outOfMemory {
            held.hold(nil)
            outcome = try backPressure(delivery, e)
        } catch let e as ClusterError where e.code == .permissionDenied {
            // Not the item's fault: back to the head of its queue, uncounted, for another process.
            held.hold(nil)
            if let id = (try? codec.decode(delivery.raw, expecting: configuration.queue.messageKind))?.id {
                _ = try? transport.addAttempts(id, -1)
            }
            do { try transport.settle(delivery, .handBack) } catch { abandoned = true }  // the reaper returns it
            throw e
        } catch {
            held.hold(nil)  // no more extensions: if the hand-back fails too, the reaper gets it
            outcome = try giveBack(delivery, after: error)
        }
        let labels = ["queue": queue.rawValue]
        metrics?.observe("ctscreen_item_duration_seconds", Date().timeIntervalSince(started), labels: labels,
                         help: "Time from take to settlement")
        switch outcome {
        case .acked, .reclaimed:
            metrics?.increment("ctscreen_items_processed_total", labels: labels, help: "Items handled successfully")
        case .retried:
            metrics?.increment("ctscreen_items_failed_total", labels: labels.merging(["outcome": "retried"]) { $1 },
                               help: "Items whose handling failed")
        case .deadLettered(let cause, _):
            metrics?.increment("ctscreen_items_failed_total", labels: labels.merging(["outcome": cause.rawValue]) { $1 },
                               help: "Items whose handling failed")
        case .handedBack:
            metrics?.increment("ctscreen_items_handed_back_total", labels: labels, help: "Items handed back on stop")
        }
        return outcome
    }

    private func handle(_ delivery: Delivery, _ handler: Handler) throws -> ItemOutcome {
        let envelope: Envelope
        do {
            envelope = try codec.decode(delivery.raw, expecting: configuration.queue.messageKind)
        } catch let r as MessageRejection {
            let cause = DeadLetter.Cause(r.kind)
            try transport.deadLetter(delivery, cause: cause, reason: r.reason, attempts: 0,
                                     messageID: r.envelope?.id ?? MessageCodec.peekID(delivery.raw)?.id,
                                     studyID: r.envelope?.studyID, studyAttempt: r.envelope?.attempt, logger: logger)
            return .deadLettered(cause, r.reason)
        }
        var log = logger
        log[metadataKey: "study.id"] = "\(envelope.studyID)"
        log[metadataKey: "message.id"] = "\(envelope.id)"
        let attempt = try transport.addAttempts(envelope.id, 1)

        func deadLetter(_ cause: DeadLetter.Cause, _ reason: String) throws -> ItemOutcome {
            let record = try transport.deadLetter(delivery, cause: cause, reason: reason, attempts: attempt,
                                                  messageID: envelope.id, studyID: envelope.studyID,
                                                  studyAttempt: envelope.attempt, logger: log)
            return record == nil ? .reclaimed : .deadLettered(cause, reason)
        }

        if attempt > configuration.maxAttempts {
            return try deadLetter(.attemptsExhausted, "delivered \(attempt) times, limit \(configuration.maxAttempts)")
        }
        for key in envelope.body.payloadKeys where try !transport.payloadExists(key) {
            // The reducer frees a done attempt's payloads, and a new attempt makes an old one's moot:
            // then a redelivered item is the handler's to ack as a no-op, not a missing payload.
            if let record = try transport.studyRecord(envelope.studyID),
               record.state == .done || record.attempt != envelope.attempt { break }
            // A batch's pixels are freed when its result is stored: a redelivery after that is a no-op too.
            if case .sliceBatch(let d) = envelope.body,
               try transport.hasBatchResult(studyID: d.studyID, attempt: d.attempt, batch: d.batchIndex) { break }
            return try deadLetter(.missingPayload, "payload key '\(key)' does not exist (expired or never written)")
        }
        let context = HandlerContext(envelope: envelope, delivery: delivery, attempt: attempt, transport: transport,
                                     logger: log, stop: stop, metrics: metrics, held: held)
        do {
            try handler(envelope, context)
        } catch HandlerError.handBack {
            return try handBack(delivery, envelope, log)
        } catch HandlerError.permanent(let reason) {
            return try deadLetter(.permanentFailure, reason)
        } catch let e as ClusterError where e.code == .stopped {
            return try handBack(delivery, envelope, log)
        } catch let e as ClusterError where e.code == .outOfMemory {
            _ = try? transport.addAttempts(envelope.id, -1)  // Redis being full is not the item's fault
            return try backPressure(delivery, e)
        } catch let e as ClusterError where e.code == .permissionDenied {
            throw e  // a misconfigured process: `step` hands the item back and the loop stops
        } catch {
            let reason = "\(error)"
            if attempt >= configuration.maxAttempts {
                return try deadLetter(.attemptsExhausted, "failed \(attempt) times; last error: \(reason)")
            }
            log.warning("handler failed; item goes back to its queue", metadata: ["error": "\(reason)", "attempt": "\(attempt)"])
            return try transport.settle(delivery, .retry) ? .retried(reason) : .reclaimed
        }
        var counters = [("processed:\(configuration.queue.rawValue)", 1)]
        if envelope.body.sliceCount > 0, configuration.queue == .slices {
            counters.append(("slices", envelope.body.sliceCount))
            metrics?.increment("ctscreen_slices_processed_total", by: Double(envelope.body.sliceCount), help: "Slices classified")
        }
        let acked = try transport.acknowledge(delivery, messageID: envelope.id, counters: counters)
        strikes[envelope.id] = nil
        guard acked else {
            log.notice("item was reclaimed by the reaper before its ack; results stand (idempotent)")
            return .reclaimed
        }
        return .acked
    }

    /// Redis refused a write because it is over `maxmemory`: back-pressure, not a failure.
    /// The item goes back to the head of its queue without using up an attempt, and the loop
    /// pauses (doubling up to `oomWaitCap`) so the cluster drains; logged and counted for alerts.
    private func backPressure(_ delivery: Delivery, _ error: ClusterError) throws -> ItemOutcome {
        outOfMemoryStreak += 1
        let pause = min(ClusterDefaults.oomWaitCap, ClusterDefaults.oomWaitInitial * pow(2, Double(outOfMemoryStreak - 1)))
        logger.warning("Redis is full (over maxmemory): item handed back, pausing", metadata: [
            "error": "\(error.message)", "pause.seconds": "\(pause)", "queue": "\(configuration.queue.rawValue)",
        ])
        metrics?.increment("ctscreen_redis_out_of_memory_total", labels: ["queue": configuration.queue.rawValue],
                           help: "Steps refused because Redis was over maxmemory (back-pressure; alert if it keeps rising)")
        let outcome: ItemOutcome = try transport.settle(delivery, .handBack) ? .handedBack : .reclaimed
        stop.sleep(pause)
        return outcome
    }

    private func handBack(_ delivery: Delivery, _ envelope: Envelope, _ log: Logger) throws -> ItemOutcome {
        // A hand-back is not the item's fault: it does not use up an attempt.
        guard try transport.settle(delivery, .handBack) else { return .reclaimed }
        do { try transport.addAttempts(envelope.id, -1) } catch {
            log.warning("handed back, but could not give the attempt back", metadata: ["error": "\(error)"])
        }
        log.info("handed the item back to the head of its queue")
        return .handedBack
    }
    /// A command failed mid-item (attempt counter, payload check, result write, settle):
    /// hand the item back to the tail of its queue (a retry; its attempt was counted if the
    /// counter worked), or dead-letter it once it failed here `maxAttempts` times (the
    /// counter may be what fails, so the count is this process's). Then back off. If even
    /// that fails, keep trying; on stop, throw and exit still registered, so the reaper
    /// returns the item. Never goes on to the next item with this one still held.
    private func giveBack(_ delivery: Delivery, after error: Error) throws -> ItemOutcome {
        let envelope = try? codec.decode(delivery.raw, expecting: configuration.queue.messageKind)
        let messageID = envelope?.id ?? MessageCodec.peekID(delivery.raw)?.id ?? "?"
        let studyID = envelope?.studyID ?? MessageCodec.peekID(delivery.raw)?.studyID
        if strikes.count > 10_000 { strikes.removeAll() }  // bounded: ids of items long gone
        let strike = (strikes[messageID] ?? 0) + 1
        strikes[messageID] = strike
        failureStreak += 1
        var log = logger
        log[metadataKey: "study.id"] = "\(studyID ?? "-")"
        log[metadataKey: "message.id"] = "\(messageID)"
        let reason = "study \(studyID ?? "?"): bookkeeping failed \(strike) times on \(configuration.processID); last error: \(error)"
        var wait = ClusterDefaults.handBackRetryInitial
        while true {
            do {
                let outcome: ItemOutcome
                if strike >= configuration.maxAttempts {
                    strikes[messageID] = nil
                    let record = try transport.deadLetter(delivery, cause: .attemptsExhausted, reason: reason, attempts: strike,
                                                          messageID: messageID, studyID: studyID,
                                                          studyAttempt: envelope?.attempt, logger: log)
                    outcome = record == nil ? .reclaimed : .deadLettered(.attemptsExhausted, reason)
                } else {
                    outcome = try transport.settle(delivery, .retry) ? .retried(reason) : .reclaimed
                    log.error("a command failed mid-item; item handed back to its queue", metadata: ["error": "\(error)"])
                }
                let pause = min(ClusterDefaults.handBackRetryCap, ClusterDefaults.handBackRetryInitial * pow(2, Double(failureStreak - 1)))
                stop.sleep(pause)
                return outcome
            } catch let again {
                log.error("could not hand the item back; trying again", metadata: ["error": "\(again)"])
                if stop.isSet {
                    abandoned = true
                    throw ClusterError(.stopped, "stopped holding an item of study \(studyID ?? "?") that could not be handed back "
                                       + "(\(again)); exiting registered so the reaper returns it")
                }
                stop.sleep(wait)
                wait = min(wait * 2, ClusterDefaults.handBackRetryCap)
            }
        }
    }
}
