import Foundation

/// What `submit` does for one study found: build its message and claim its id in one atomic
/// transport step. A series already known is left alone (queued, in progress, done or
/// failed) unless `newAttempt`; an id whose record names another series is refused.
public struct Submission {
    public var transport: QueueTransport
    public var lane: Lane
    /// Where the reducer writes outputs (nil: the reducer's own root).
    public var outputRoot: String?
    /// Start a new attempt of a known series (its earlier attempts' work is then ignored).
    public var newAttempt: Bool
    /// How long a claim waits while Redis is full (over `maxmemory`) before giving up.
    public var outOfMemoryWait: Double = 600

    public enum Outcome: Equatable, Sendable {
        case submitted(attempt: Int)
        /// Already known; nothing was changed or enqueued.
        case exists(StudyRecord)
    }

    public init(transport: QueueTransport, lane: Lane = .bulk, outputRoot: String? = nil, newAttempt: Bool = false) {
        self.transport = transport; self.lane = lane; self.outputRoot = outputRoot; self.newAttempt = newAttempt
    }

    /// Throws if the id is taken by another series (naming both) or the claim keeps racing.
    public func submit(_ study: StudyDiscovery.Found) throws -> Outcome {
        let codec = MessageCodec(keys: transport.keys)
        // A racing `submit --new-attempt` of the same series may move the attempt between our
        // read and our claim: read again and retry (each round means another claim succeeded).
        for _ in 0..<8 {
            let attempt = (try transport.studyRecord(study.studyID)).map { $0.attempt + 1 } ?? 1
            let descriptor = StudyDescriptor(studyID: study.studyID, attempt: attempt, label: study.label, sources: [study.source],
                                             patientID: study.patientID, acquired: study.acquired, outputRoot: outputRoot)
            let envelope = Envelope(body: .study(descriptor), lane: lane)
            let claim = StudyClaim(studyID: study.studyID, identity: study.identity, label: study.label, attempt: attempt,
                                   token: envelope.id)
            let message = try codec.encode(envelope)
            // Admitting work into a full Redis is what Redis refuses: wait for it to drain.
            let outcome = try OutOfMemoryWait.retrying("submit \(study.label)", limit: outOfMemoryWait) {
                try transport.claimStudy(claim, message: message, lane: lane, newAttempt: newAttempt)
            }
            switch outcome {
            case .claimed(let n): return .submitted(attempt: n)
            case .exists(let record): return .exists(record)
            case .clash(let other):
                throw ClusterError(.studyIDClash, "\(study.label) (\(study.source)): study id \(study.studyID) already names "
                                   + "another series (\(other), this one is \(study.identity)); not submitted, nothing changed")
            case .attemptChanged: continue
            }
        }
        throw ClusterError(.invalidArgument, "\(study.label): study \(study.studyID) kept changing under concurrent submissions; not submitted")
    }
}
