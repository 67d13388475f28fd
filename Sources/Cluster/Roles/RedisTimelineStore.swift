import Foundation
import Timeline

/// Patients' timelines in the cluster's store (`<prefix>:timeline:<patient>`, a hash of time
/// points), written by reducers as studies complete and read by `ctscreen timeline` / `result`.
public struct RedisTimelineStore: TimelineStore {
    public let transport: QueueTransport

    public init(transport: QueueTransport) { self.transport = transport }

    public func add(_ point: TimePoint) throws {
        try transport.putTimePoint(patientID: point.patientID, key: point.key, Array(try JSONEncoder().encode(point)))
    }

    public func timePoints(patient: String) throws -> [TimePoint] {
        try transport.timePoints(patientID: patient).map { bytes in
            do { return try JSONDecoder().decode(TimePoint.self, from: Data(bytes)) } catch {
                throw ClusterError(.badPayload, "\(transport.keys.timeline(patient)): a time point does not decode (\(error))")
            }
        }
    }
}
