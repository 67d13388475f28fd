import Foundation
import Timeline

/// Patients' timelines in the cluster's store (`<prefix>:timeline:<patient>`, a hash of time
/// points), written by reducers as studies complete and read by `ctscreen timeline` / `result`.
/// Each write keeps the largest `ClusterDefaults.timelineFindingCap` findings of the point and
/// refreshes the timeline's expiry (`ClusterDefaults.timelineTTL`), so its memory is bounded.
public struct RedisTimelineStore: TimelineStore {
    public let transport: QueueTransport
    public var ttl: Double = ClusterDefaults.timelineTTL

    public init(transport: QueueTransport) { self.transport = transport }

    public func add(_ point: TimePoint) throws {
        var kept = point
        kept.findings = Array(point.findings.sorted { $0.volumeCM3 > $1.volumeCM3 }.prefix(ClusterDefaults.timelineFindingCap))
        try transport.putTimePoint(patientID: point.patientID, key: point.key, Array(try JSONEncoder().encode(kept)), ttl: ttl)
    }

    public func timePoints(patient: String) throws -> [TimePoint] {
        try transport.timePoints(patientID: patient).map { bytes in
            do { return try JSONDecoder().decode(TimePoint.self, from: Data(bytes)) } catch {
                throw ClusterError(.badPayload, "\(transport.keys.timeline(patient)): a time point does not decode (\(error))")
            }
        }
    }
}
