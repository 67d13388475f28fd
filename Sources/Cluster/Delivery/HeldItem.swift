import Foundation
import Logging

/// The item a serve loop is working on, shared with its heartbeat thread, which keeps the
/// item's visibility deadline at last progress + timeout. The deadline follows progress, not
/// the heartbeat: a handler that hangs (its thread stuck, the heartbeat still beating) loses
/// the item after one timeout, while a long one that reports progress keeps it.
public final class HeldItem: @unchecked Sendable {
    public let visibilityTimeout: Double
    private let lock = NSLock()
    private var delivery: Delivery?
    private var lastProgress = 0.0
    private var written = 0.0  // the progress mark last written as a deadline

    public init(visibilityTimeout: Double = ClusterDefaults.visibilityTimeout) {
        self.visibilityTimeout = visibilityTimeout
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The loop took `delivery` (nil: it holds nothing any more).
    func hold(_ delivery: Delivery?) {
        lock.lock(); defer { lock.unlock() }
        self.delivery = delivery
        lastProgress = Self.now()
        written = 0
    }

    /// The handler is alive and moving: called between steps (slices, batches, polls).
    public func progress() {
        lock.lock(); defer { lock.unlock() }
        lastProgress = Self.now()
    }

    /// Writes the deadline if progress was made since the last write. Called from the
    /// heartbeat thread and once by the loop right after a take.
    func extend(on transport: QueueTransport) throws {
        lock.lock()
        guard let d = delivery, lastProgress > written else { lock.unlock(); return }
        let mark = lastProgress
        lock.unlock()
        let remaining = mark + visibilityTimeout - Self.now()
        guard remaining > 0 else { return }
        try transport.extend(d, by: remaining)
        lock.lock(); if delivery == d { written = max(written, mark) }; lock.unlock()
    }
}
