import Foundation
import Logging

/// Coordinators stop splitting studies while the slice queue is above a high-water mark, so
/// payloads waiting in Redis stay bounded by what the workers can drain.
public enum Backpressure {
    /// Waits (polling every `poll` seconds) until the depth of both lanes of `queue` is below
    /// `highWater`. Returns false if the stop flag was set first. `progress` is called on each
    /// poll: waiting for the workers is healthy, not hung (visibility timeout).
    @discardableResult
    public static func waitBelow(_ highWater: Int, queue: QueueName, transport: QueueTransport,
                                 stop: StopFlag, poll: Double = 0.25, progress: () -> Void = {}) throws -> Bool {
        while true {
            progress()
            let depth = try transport.depth(queue, lane: .urgent) + transport.depth(queue, lane: .bulk)
            if depth < highWater { return true }
            if !stop.sleep(poll) { return false }
        }
    }
}

/// Out-of-memory back-pressure for the steps Redis refuses when it is over `maxmemory`
/// (admitting a study, registering a process): wait and retry, never fail the work.
public enum OutOfMemoryWait {
    /// Runs `body`, repeating it while it throws `outOfMemory`, waiting `oomWaitInitial`
    /// doubling to `oomWaitCap` between tries; gives up after `limit` seconds with an error
    /// saying Redis stayed full, or when `stop` is set.
    public static func retrying<T>(_ what: String, limit: Double, stop: StopFlag? = nil, logger: Logger? = nil,
                                   _ body: () throws -> T) throws -> T {
        let started = Date()
        var wait = ClusterDefaults.oomWaitInitial
        var warned = false
        while true {
            do { return try body() } catch let e as ClusterError where e.code == .outOfMemory {
                let waited = Date().timeIntervalSince(started)
                if waited >= limit || stop?.isSet == true {
                    throw ClusterError(.outOfMemory, "\(what): Redis stayed over maxmemory for \(Int(waited)) s; "
                                       + "the cluster is not draining or Redis is too small (see the sizing rule in Deploy/README.md)")
                }
                if !warned {
                    logger?.warning("Redis is full (over maxmemory): waiting for it to drain", metadata: ["op": "\(what)"])
                    warned = true
                }
                if let stop { stop.sleep(wait) } else { Thread.sleep(forTimeInterval: wait) }
                wait = min(wait * 2, ClusterDefaults.oomWaitCap)
            }
        }
    }
}

/// Admission by bytes: a coordinator splits a study only when Redis has room for it, so the
/// memory held by studies in flight stays under a known share of Redis's limit.
public struct Admission: Sendable {
    /// Bytes allowed (nil: only Redis's own `maxmemory`, if set).
    public var budget: Int?
    public var share = ClusterDefaults.admissionShare
    public var aloneShare = ClusterDefaults.aloneShare

    public init(budget: Int? = nil) { self.budget = budget }

    /// Upper bound of the bytes a study's slices put in Redis: every slice as pixels and as a
    /// result with a Grad-CAM map (unit-interval values, 2 bytes each) and F16 features (the
    /// coordinator adds its context's actual size). Pixels are freed as results arrive, so
    /// the true peak is lower.
    public static func estimatedBytes(slices: Int, side: Int, features: Int = 2048) -> Int {
        slices * (2 * (2 * side * side) + 2 * features + 256)
    }

    /// What to do with a study of `bytes` given Redis's `usage`.
    public enum Decision: Equatable, Sendable {
        case admit
        /// Wait: Redis holds too much now.
        case wait(allowance: Int)
    }

    public func decide(bytes: Int, usage: MemoryUsage) -> Decision {
        let limits = [usage.limit > 0 ? usage.limit : nil, budget].compactMap { $0 }
        guard let limit = limits.min() else { return .admit }  // no limit known: queue depth bounds it
        let allowance = Int(Double(limit) * share)
        if bytes <= allowance {
            return usage.used + bytes <= allowance ? .admit : .wait(allowance: allowance)
        }
        // Larger than the allowance itself: admitted alone, once Redis is nearly empty.
        let alone = Int(Double(limit) * aloneShare)
        return usage.used <= alone ? .admit : .wait(allowance: alone)
    }

    /// Polls until `decide` admits the study (true) or `stop` is set (false). `progress` is
    /// called on each poll (waiting for room is healthy, not hung).
    public func waitForRoom(bytes: Int, transport: QueueTransport, stop: StopFlag, logger: Logger,
                            poll: Double = 0.25, progress: () -> Void = {}) throws -> Bool {
        var logged = false
        while true {
            progress()
            let usage = try transport.memoryUsage()
            switch decide(bytes: bytes, usage: usage) {
            case .admit: return true
            case .wait(let allowance):
                if !logged {
                    logger.notice("waiting for room in Redis before splitting the study", metadata: [
                        "study.bytes": "\(bytes)", "redis.used": "\(usage.used)", "allowance": "\(allowance)",
                    ])
                    logged = true
                }
            }
            if !stop.sleep(poll) { return false }
        }
    }
}
