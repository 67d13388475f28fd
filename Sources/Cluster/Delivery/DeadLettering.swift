import Logging

extension QueueTransport {
    /// Moves a delivery to the dead-letter list with its reason and, when the message named a
    /// valid study, marks that study failed — one atomic step (`deadLetterAndFail`), so a
    /// crash never leaves one without the other. The failure applies only if `studyAttempt`
    /// (the study attempt the message belongs to) is still current: an old attempt's poison
    /// item must not fail a new attempt. Returns the record, or nil if the delivery had
    /// already left the processing list (reaped).
    @discardableResult
    public func deadLetter(_ delivery: Delivery, cause: DeadLetter.Cause, reason: String, attempts: Int,
                           messageID: String?, studyID: String?, studyAttempt: Int?, logger: Logger) throws -> DeadLetter? {
        let record = DeadLetter(cause: cause, reason: reason, delivery: delivery, attempts: attempts,
                                messageID: messageID, studyID: studyID)
        // A failed study's context and results will never be read: freed in the same step.
        let failing = studyID.flatMap { Keys.isValidID($0) ? $0 : nil }.map { id in
            StudyFailure(studyID: id, attempt: studyAttempt, reason: "\(cause.rawValue): \(reason)",
                         freeing: studyAttempt.map { [keys.contextPayload(id, attempt: $0), keys.results(id, attempt: $0)] } ?? [])
        }
        guard try deadLetterAndFail(delivery, record: record.encoded(), messageID: messageID, failing: failing) else { return nil }
        logger.warning("dead-lettered an item", metadata: [
            "queue": "\(delivery.queue.rawValue)", "cause": "\(cause.rawValue)", "reason": "\(reason)",
            "message.id": "\(messageID ?? "-")", "study.id": "\(studyID ?? "-")", "attempts": "\(attempts)",
        ])
        return record
    }
}
