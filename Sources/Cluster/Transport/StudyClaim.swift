/// A submission's claim on a study id: the one atomic step that decides whether a study is
/// enqueued. Two `submit`s of one series (one after the other or racing) enqueue it once;
/// an id whose record names another series is never touched.
public struct StudyClaim: Equatable, Sendable {
    public var studyID: String
    /// What the id names (`StudyIDs`); a record with another identity is a clash.
    public var identity: String
    /// The readable name kept beside the id.
    public var label: String
    /// The attempt the caller built its message for: 1 for a new study, current + 1 for a
    /// new attempt. If the record moved on meanwhile the claim answers `.attemptChanged`.
    public var attempt: Int
    /// The id of the study message: a claim repeated after a lost reply (Redis reconnect)
    /// recognises its own earlier success instead of reporting "exists".
    public var token: String

    public init(studyID: String, identity: String, label: String, attempt: Int, token: String) {
        self.studyID = studyID; self.identity = identity; self.label = label; self.attempt = attempt; self.token = token
    }
}

public enum StudyClaimOutcome: Equatable, Sendable {
    /// The study was created (attempt 1) or a new attempt started, and the message was
    /// pushed in the same atomic step.
    case claimed(attempt: Int)
    /// The same series is already known (queued, in progress, done or failed): nothing changed.
    case exists(StudyRecord)
    /// The id's record names another series (`identity` there): nothing changed.
    case clash(existingIdentity: String)
    /// Another submission claimed a new attempt first: read the record again and retry.
    case attemptChanged
}
