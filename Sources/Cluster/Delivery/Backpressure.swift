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
