import Foundation
import Logging

/// Returns the items of dead processes (registered, heartbeat expired) to the head of their
/// queues, or dead-letters them once they have used up their attempts. Any process may run
/// it; one holder at a time through a lock key (SET NX PX).
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
        public var items: [Recovered] = []
    }

    private let transport: QueueTransport
    private let holder: String
    private let maxAttempts: Int
    private let lockTTL: Double
    private let codec: MessageCodec
    private let logger: Logger

    public init(transport: QueueTransport, holder: String, maxAttempts: Int = ClusterDefaults.maxAttempts,
                lockTTL: Double = ClusterDefaults.reaperLockTTL,
                maxMessageBytes: Int = ClusterDefaults.maxMessageBytes, logger: Logger) {
        self.transport = transport
        self.holder = holder
        self.maxAttempts = maxAttempts
        self.lockTTL = lockTTL
        self.codec = MessageCodec(keys: transport.keys, maxMessageBytes: maxMessageBytes)
        self.logger = logger
    }

    /// One pass. Nil when another process holds the reaper lock.
    public func runOnce() throws -> Report? {
        let lockKey = transport.keys.reaperLock
        guard try transport.acquireLock(lockKey, holder: holder, ttl: lockTTL) else { return nil }
        defer { try? transport.releaseLock(lockKey, holder: holder) }
        var report = Report()
        for process in try transport.registeredProcesses() where try !transport.isAlive(process.id) {
            report.deadProcesses.append(process.id)
            for queue in QueueName.allCases {
                for lane in Lane.allCases {
                    // Newest first: each goes to the head, so the oldest ends up taken first again.
                    for raw in try transport.processingItems(process: process.id, queue: queue, lane: lane) {
                        let delivery = Delivery(raw: raw, queue: queue, lane: lane, process: process.id)
                        if let item = try recover(delivery) { report.items.append(item) }
                    }
                }
            }
            try transport.deregister(process.id)
            logger.notice("reaped a dead process", metadata: ["process.id": "\(process.id)", "process.role": "\(process.role)"])
        }
        return report
    }

    private func recover(_ delivery: Delivery) throws -> Recovered? {
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
            let reason = "delivered \(attempts) times; the holding process stopped heartbeating (last: \(delivery.process))"
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
        ])
        return item
    }
}
