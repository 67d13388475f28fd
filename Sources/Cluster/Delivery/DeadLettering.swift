import Logging

extension QueueTransport {
    /// Moves a delivery to the dead-letter list with its reason, marks its study failed
    /// (when the message named a valid study, and only if `studyAttempt` — the study attempt
    /// the message belongs to — is still current: an old attempt's poison item must not fail
    /// a new attempt) and forgets its delivery count. Returns the record, or nil if the
    /// delivery had already left the processing list (reaped).
    @discardableResult
    public func deadLetter(_ delivery: Delivery, cause: DeadLetter.Cause, reason: String, attempts: Int,
                           messageID: String?, studyID: String?, studyAttempt: Int?, logger: Logger) throws -> DeadLetter? {
        let record = DeadLetter(cause: cause, reason: reason, delivery: delivery, attempts: attempts,
                                messageID: messageID, studyID: studyID)
        guard try settle(delivery, .deadLetter(record.encoded())) else { return nil }
        // The item is settled: a failing command from here on must not make the caller
        // settle it again. The study state matters most, so it goes first.
        if let studyID, Keys.isValidID(studyID) {
            do { try transition(studyID: studyID, to: .failed("\(cause.rawValue): \(reason)"), attempt: studyAttempt) } catch {
                logger.error("dead-lettered an item but could not mark study \(studyID) failed", metadata: ["error": "\(error)"])
            }
        }
        if let messageID {
            do { try clearAttempts(messageID) } catch {
                logger.warning("could not forget the attempt count of a dead letter", metadata: ["error": "\(error)"])
            }
        }
        logger.warning("dead-lettered an item", metadata: [
            "queue": "\(delivery.queue.rawValue)", "cause": "\(cause.rawValue)", "reason": "\(reason)",
            "message.id": "\(messageID ?? "-")", "study.id": "\(studyID ?? "-")", "attempts": "\(attempts)",
        ])
        return record
    }
}
