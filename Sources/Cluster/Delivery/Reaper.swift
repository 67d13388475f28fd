import Foundation
import Logging

/// Returns to the head of their queues, or dead-letters once they have used up their
/// attempts: the items of dead processes (registered, heartbeat expired), and the items of
/// live processes held past their visibility deadline (a hung handler, or an item its loop
/// lost track of). Any process may run it; one holder at a time through a lock key.
///
/// "Dead" needs the reaper's own connection to have been up for `outageGrace`: a heartbeat
/// missing right after a (re)connect may only mean Redis was away longer than the TTL, so
/// until then no process is declared dead (`Report.awaitingOutageGrace`). Deadline returns
/// from live processes go on meanwhile: deadlines are on Redis's clock and live holders
/// extend them.
public final class Reaper: @unchecked Sendable {
    public struct Recovered: Equatable, Sendable {
        public var messageID: String?
        public var studyID: String?
        public var queue: QueueName
        public var lane: Lane
        public var fromProcess: String
        public var attempts: Int
        /// False if the item was dead-lettered instead of returned.
        public var returned: Bool
    }

    public struct Report: Equatable, Sendable {
        public var deadProcesses: [String] = []
        /// Items taken back from live processes past their deadline (also listed in `items`).
        public var expired = 0
        public var items: [Recovered] = []
        /// True if dead-process detection was skipped because the reaper's connection had not
        /// been up for the outage grace yet.
        public var awaitingOutageGrace = false
    }

    private let transport: QueueTransport
    private let holder: String
    private let maxAttempts: Int
    private let lockTTL: Double
    private let visibilityTimeout: Double
    private let outageGrace: Double
    private let codec: MessageCodec
    private let logger: Logger

    public init(transport: QueueTransport, holder: String, maxAttempts: Int = ClusterDefaults.maxAttempts,
                lockTTL: Double = ClusterDefaults.reaperLockTTL, visibilityTimeout: Double = ClusterDefaults.visibilityTimeout,
                outageGrace: Double = ClusterDefaults.outageGrace, maxMessageBytes: Int = ClusterDefaults.maxMessageBytes, logger: Logger) {
        self.transport = transport
        self.holder = holder
        self.maxAttempts = maxAttempts
        self.lockTTL = lockTTL
        self.visibilityTimeout = visibilityTimeout
        self.outageGrace = outageGrace
        self.codec = MessageCodec(keys: transport.keys, maxMessageBytes: maxMessageBytes)
        self.logger = logger
    }

    /// One pass. Nil when another process holds the reaper lock.
    public func runOnce() throws -> Report? {
        let lockKey = transport.keys.reaperLock
        guard try transport.acquireLock(lockKey, holder: holder, ttl: lockTTL) else { return nil }
        defer { try? transport.releaseLock(lockKey, holder: holder) }
        var report = Report()
        let processes = try transport.registeredProcesses()
        for process in processes where try transport.isAlive(process.id) {
            for queue in QueueName.allCases {
                for lane in Lane.allCases {
                    let items = try transport.expiredItems(process: process.id, queue: queue, lane: lane, grace: visibilityTimeout)
                    for raw in items {
                        let delivery = Delivery(raw: raw, queue: queue, lane: lane, process: process.id)
                        let why = "held past its visibility timeout (\(visibilityTimeout) s) by live process \(process.id)"
                        if let item = try recover(delivery, why: why) { report.items.append(item); report.expired += 1 }
                    }
                }
            }
        }
        for process in processes where try !transport.isAlive(process.id) {
            // Checked after the heartbeat read: a reconnect during it resets the uptime.
            let uptime = transport.connectionUptime()
            guard uptime >= outageGrace else {
                report.awaitingOutageGrace = true
                logger.info("heartbeat missing but the Redis connection is too recent to call it dead; waiting out the outage grace",
                            metadata: ["process.id": "\(process.id)", "connection.uptime_s": "\(uptime)",
                                       "outage_grace_s": "\(outageGrace)"])
                continue
            }
            report.deadProcesses.append(process.id)
            for queue in QueueName.allCases {
                for lane in Lane.allCases {
                    // Newest first: each goes to the head, so the oldest ends up taken first again.
                    for raw in try transport.processingItems(process: process.id, queue: queue, lane: lane) {
                        let delivery = Delivery(raw: raw, queue: queue, lane: lane, process: process.id)
                        let why = "the holding process stopped heartbeating (last: \(process.id))"
                        if let item = try recover(delivery, why: why) { report.items.append(item) }
                    }
                }
            }
            try transport.deregister(process.id)
            logger.notice("reaped a dead process", metadata: ["process.id": "\(process.id)", "process.role": "\(process.role)"])
        }
        return report
    }

    private func recover(_ delivery: Delivery, why: String) throws -> Recovered? {
        let envelope: Envelope
        do {
            envelope = try codec.decode(delivery.raw, expecting: delivery.queue.messageKind)
        } catch let r as MessageRejection {
            let ids = MessageCodec.peekID(delivery.raw)
            guard try transport.deadLetter(delivery, cause: DeadLetter.Cause(r.kind), reason: r.reason, attempts: 0,
                                           messageID: ids?.id, studyID: r.envelope?.studyID, studyAttempt: r.envelope?.attempt,
                                           logger: logger) != nil
            else { return nil }
            return Recovered(messageID: ids?.id, studyID: r.envelope?.studyID, queue: delivery.queue, lane: delivery.lane,
                             fromProcess: delivery.process, attempts: 0, returned: false)
        }
        let attempts = try transport.addAttempts(envelope.id, 0)
        var item = Recovered(messageID: envelope.id, studyID: envelope.studyID, queue: delivery.queue, lane: delivery.lane,
                             fromProcess: delivery.process, attempts: attempts, returned: true)
        if attempts >= maxAttempts {
            let reason = "delivered \(attempts) times; \(why)"
            guard try transport.deadLetter(delivery, cause: .attemptsExhausted, reason: reason, attempts: attempts,
                                           messageID: envelope.id, studyID: envelope.studyID, studyAttempt: envelope.attempt,
                                           logger: logger) != nil
            else { return nil }
            item.returned = false
            return item
        }
        guard try transport.settle(delivery, .handBack) else { return nil }
        logger.notice("reaper recovered an item", metadata: [
            "message.id": "\(envelope.id)", "study.id": "\(envelope.studyID)", "queue": "\(delivery.queue.rawValue)",
            "lane": "\(delivery.lane.rawValue)", "from.process": "\(delivery.process)", "attempts": "\(attempts)",
            "why": "\(why)",
        ])
        return item
    }
}
