import Foundation
import Logging

/// Keeps a process's heartbeat key alive from a background thread: TTL = interval + slack,
/// so a process is declared dead only after it missed several refreshes. The thread uses
/// its own transport (connection) so it never waits behind a blocking take.
public final class Heartbeat: @unchecked Sendable {
    public let record: ProcessRecord
    public let interval: Double
    public let ttl: Double
    private let transport: QueueTransport
    private let logger: Logger
    private let lock = NSLock()
    private var running = false
    private var finished = DispatchSemaphore(value: 0)
    /// The item of the serve loop, whose visibility deadline each beat moves along.
    public var held: HeldItem?

    public init(transport: QueueTransport, record: ProcessRecord, interval: Double = ClusterDefaults.heartbeatInterval,
                slack: Double = ClusterDefaults.heartbeatSlack, logger: Logger) {
        self.transport = transport
        self.record = record
        self.interval = interval
        self.ttl = interval + slack
        self.logger = logger
    }

    /// Beats once, registers the process, then refreshes every `interval` seconds.
    /// (Beat before register: the reaper never sees a registered process without a heartbeat.)
    public func start() throws {
        try transport.beat(record.id, ttl: ttl)
        try OutOfMemoryWait.retrying("register process \(record.id)", limit: 3600, logger: logger) {
            try transport.beat(record.id, ttl: ttl)
            try transport.register(record)
        }
        lock.lock(); running = true; lock.unlock()
        let t = Thread { [self] in
            defer { finished.signal() }
            var next = Date().addingTimeInterval(interval)
            while isRunning {
                if Date() < next { Thread.sleep(forTimeInterval: min(0.05, max(0, next.timeIntervalSinceNow))); continue }
                next = Date().addingTimeInterval(interval)
                // Re-register too: a process that stalled past its TTL was deregistered by a
                // reaper, and must be known again or its next items could never be reaped.
                do { try transport.beat(record.id, ttl: ttl); try transport.register(record) } catch {
                    logger.warning("heartbeat refresh failed", metadata: ["error": "\(error)"])
                }
                do { try held?.extend(on: transport) } catch {
                    logger.warning("could not extend the deadline of the item in hand", metadata: ["error": "\(error)"])
                }
            }
        }
        t.name = "ctscreen-heartbeat"
        t.start()
    }

    private var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }

    /// Stops refreshing; with `deregister`, removes the heartbeat and the registry entry
    /// (a clean exit: nothing for the reaper to do).
    public func stop(deregister: Bool) {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning { finished.wait() }
        if deregister {
            do { try transport.deregister(record.id) } catch {
                logger.warning("could not deregister the process", metadata: ["error": "\(error)"])
            }
        }
    }
}
