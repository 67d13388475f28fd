/// Coordinators stop splitting studies while the slice queue is above a high-water mark, so
/// payloads waiting in Redis stay bounded by what the workers can drain.
public enum Backpressure {
    /// Waits (polling every `poll` seconds) until the depth of both lanes of `queue` is below
    /// `highWater`. Returns false if the stop flag was set first.
    @discardableResult
    public static func waitBelow(_ highWater: Int, queue: QueueName, transport: QueueTransport,
                                 stop: StopFlag, poll: Double = 0.25) throws -> Bool {
        while true {
            let depth = try transport.depth(queue, lane: .urgent) + transport.depth(queue, lane: .bulk)
            if depth < highWater { return true }
            if !stop.sleep(poll) { return false }
        }
    }
}
