/// A snapshot of the cluster for `ctscreen status`: queue depths, who holds what, who is
/// alive, dead letters, studies by state and the cluster-wide counters.
public struct ClusterStatus: Equatable, Sendable {
    public struct Holder: Equatable, Sendable {
        public var process: ProcessRecord
        public var alive: Bool
        /// Items in the process's processing lists, per queue (both lanes).
        public var holding: [QueueName: Int]
    }

    /// Depth per queue and lane.
    public var depths: [QueueName: [Lane: Int]] = [:]
    public var processes: [Holder] = []
    public var deadLetters = 0
    public var studiesByState: [StudyState.Name: Int] = [:]
    /// Items acked per queue and slices classified since the counters were created.
    public var processed: [QueueName: Int] = [:]
    public var slices = 0

    public static func snapshot(_ t: QueueTransport) throws -> ClusterStatus {
        var s = ClusterStatus()
        for q in QueueName.allCases {
            for lane in Lane.allCases { s.depths[q, default: [:]][lane] = try t.depth(q, lane: lane) }
            s.processed[q] = try t.counter("processed:\(q.rawValue)")
        }
        for p in try t.registeredProcesses() {
            var holding: [QueueName: Int] = [:]
            for q in QueueName.allCases {
                holding[q] = try Lane.allCases.reduce(0) { $0 + (try t.processingItems(process: p.id, queue: q, lane: $1).count) }
            }
            s.processes.append(Holder(process: p, alive: try t.isAlive(p.id), holding: holding))
        }
        s.deadLetters = try t.deadLetterCount()
        for state in StudyState.Name.allCases { s.studiesByState[state] = try t.studies(in: state).count }
        s.slices = try t.counter("slices")
        return s
    }
}
