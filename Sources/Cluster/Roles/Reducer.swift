import Foundation
import Logging
import Preparation
import Screening
import Timeline

/// The reducer role (queue `reduce`): gather every batch result of the attempt → 3D fusion,
/// scores, report (`Pipeline.reduce`) → the same files as `analyze`, drawn on the backdrops
/// the study context carries (no study files are read, no DICOM decoded), in
/// `<output root>/<label>--<id>/` (`StudyIDs.folderName`) → one atomic step
/// (`QueueTransport.completeStudy`): state `done` with a summary under `<prefix>:report:<id>:a<k>`,
/// and the attempt's payloads and results deleted.
///
/// Idempotent: the files are the same for the same inputs (report.json written via temp +
/// rename), and the last step is one transport call. A crash before it leaves the inputs in
/// place for the redelivery; after it, a redelivered item finds the study done and is acked as
/// a no-op (never dead-lettered as `missing-payload`, never failing a finished study).
public final class Reducer: @unchecked Sendable {
    public var software: SoftwareInfo
    public var volumeWriter: VolumeFileWriting?
    /// Used when the study descriptor named no output root.
    public var outputRoot: String
    /// The folder of one study attempt: `<root>/<folder name>` (the in-process runner uses
    /// the root as is). The name is per id and attempt, so no two series share a report path.
    public var folder: (_ root: String, _ folderName: String) -> URL = { root, name in
        URL(fileURLWithPath: root).appendingPathComponent(name)
    }
    /// Threads for writing pictures.
    public var threads = 1
    /// How long summaries stay readable by `status`, `result` and `worklist`.
    public var summaryTTL = ClusterDefaults.summaryTTL
    /// Called with the report once it is written (the in-process runner keeps it).
    public var onReport: ((ScreeningReport, URL) -> Void)?
    /// Announces stages without slice counts ("write"), for a progress line.
    public var onStage: ((String) -> Void)?

    public init(software: SoftwareInfo, outputRoot: String, volumeWriter: VolumeFileWriting? = NIfTIVolumeWriter()) {
        self.software = software
        self.outputRoot = outputRoot
        self.volumeWriter = volumeWriter
    }

    /// Inconsistent inputs or an unwritable folder (`ScreeningError`) fail the same way every time.
    public func handle(_ envelope: Envelope, _ context: HandlerContext) throws {
        do { try process(envelope, context) } catch { throw HandlerError.settling(error) { $0 is ScreeningError } }
    }

    public func process(_ envelope: Envelope, _ context: HandlerContext) throws {
        guard case .reduce(let d) = envelope.body else { throw HandlerError.permanent("not a reduce message") }
        let t = context.transport, keys = t.keys
        let contextKey = d.contextKey ?? keys.contextPayload(d.studyID, attempt: d.attempt)
        let batchKeys = (0..<d.batchCount).map { keys.batchPayload(d.studyID, attempt: d.attempt, batch: $0) }
        guard try t.isCurrent(studyID: d.studyID, attempt: d.attempt) else {
            // A newer attempt owns the study now: free this one's keys, write nothing.
            context.logger.notice("study attempt \(d.attempt) is no longer current: not reduced")
            try t.deletePayloads([contextKey] + batchKeys)
            try t.deleteResults(studyID: d.studyID, attempt: d.attempt)
            return
        }
        if let state = try t.studyRecord(d.studyID)?.state, let why = Self.finished(state) {
            context.logger.notice("study \(d.studyID) attempt \(d.attempt) is already \(why): redelivered reduce item acked, nothing done")
            return
        }
        try t.transition(studyID: d.studyID, to: .reducing, attempt: d.attempt)
        guard let contextBytes = try t.payload(contextKey) else {
            // Another reducer may have completed the study since the check above.
            if let state = try t.studyRecord(d.studyID)?.state, let why = Self.finished(state) {
                context.logger.notice("study \(d.studyID) attempt \(d.attempt) is already \(why): nothing done")
                return
            }
            throw HandlerError.permanent("missing-payload: study context '\(contextKey)' does not exist (expired or deleted)")
        }
        let study = try StudyContext.decode(contextBytes, key: contextKey)
        let stored = try t.batchResults(studyID: d.studyID, attempt: d.attempt)
        guard stored.count >= d.batchCount else {
            throw ClusterError(.badPayload, "\(d.studyID): \(stored.count) of \(d.batchCount) batch results present")
        }
        var results: [SliceResult] = []
        var model: ModelInfo?
        var classifySeconds = 0.0
        for n in 0..<d.batchCount {
            guard let bytes = stored[n] else { throw ClusterError(.badPayload, "\(d.studyID): batch \(n) has no result") }
            let batch = try BatchResultPayload.decode(bytes, what: "\(keys.results(d.studyID, attempt: d.attempt)) batch:\(n)")
            results += batch.results
            model = model ?? batch.model
            classifySeconds += batch.seconds
        }
        var clock = StageClock()
        for timing in study.timings { clock.add(timing.stage, seconds: timing.seconds) }
        clock.add("classify", seconds: classifySeconds)
        let pipeline = try Pipeline(settings: study.settings, software: software)
        let reduction = try clock.measure("reduce") {
            try pipeline.reduce(study: study.study, region: study.region, results: results,
                                model: model ?? ModelInfo(sha256: "", description: ""), timings: [])
        }
        context.progress()  // each stage may take a while; together they may exceed the visibility timeout
        let output = folder(study.outputRoot ?? outputRoot,
                            StudyIDs.folderName(studyID: d.studyID, label: study.label, attempt: d.attempt))
        try StudyOutputs.prepareFolder(output)
        let backdrops = try study.backdrops.unpacked(what: contextKey)
        onStage?("write")
        var reduced = reduction
        if let label = study.label { reduced.report.study.label = label }
        let report = try StudyOutputs.writeAll(
            reduced, size: study.study.size, geometry: study.study.geometry, backdrops: backdrops, region: study.region,
            settings: study.settings, volumeWriter: volumeWriter, threads: threads, to: output, clock: &clock)
        let reportPath = output.appendingPathComponent(StudyOutputs.reportName).path
        let summary = StudySummary(report: report, reportPath: reportPath, studyID: d.studyID, label: study.label ?? "",
                                   attempt: d.attempt)
        // Earlier attempts' batches were dropped (and freed) by the workers; their context and
        // results, if any, are freed here rather than left to their TTL.
        let earlier = Array(1..<max(1, d.attempt))
        let freed = [contextKey] + batchKeys + earlier.map { keys.contextPayload(d.studyID, attempt: $0) }
            + (earlier + [d.attempt]).map { keys.results(d.studyID, attempt: $0) }
        let outcome = try t.completeStudy(studyID: d.studyID, attempt: d.attempt, summaryKey: keys.report(d.studyID, attempt: d.attempt),
                                          summary: Array(try JSONEncoder().encode(summary)), summaryTTL: summaryTTL, deleting: freed)
        switch outcome {
        case .completed: break
        case .alreadyDone:
            context.logger.notice("study \(d.studyID) attempt \(d.attempt) was completed by another delivery meanwhile")
            return
        case .stale:
            context.logger.notice("study \(d.studyID) attempt \(d.attempt) is no longer current: report \(reportPath) not recorded")
            return
        case .failed(let reason):
            context.logger.notice("study \(d.studyID) failed meanwhile (\(reason)): report \(reportPath) not recorded")
            return
        }
        recordTimePoint(report, reportPath: reportPath, studyID: d.studyID, transport: t, logger: context.logger)
        onReport?(report, output)
        context.logger.info("study done", metadata: [
            "positive.ratio": "\(report.positiveRatio)", "corona.score": "\(report.coronaScore)", "report": "\(reportPath)",
        ])
    }
}

extension Reducer {
    /// Adds the finished study to its patient's timeline. The study is done whatever happens
    /// here: a study without a patient id, or a store that refuses the write, is logged.
    func recordTimePoint(_ report: ScreeningReport, reportPath: String, studyID: String, transport: QueueTransport,
                         logger: Logger) {
        let point = TimePoint(report: report, reportPath: reportPath)
        guard !point.patientID.isEmpty else {
            logger.notice("study \(studyID) has no patient id: not added to any timeline")
            return
        }
        do {
            try RedisTimelineStore(transport: transport).add(point)
        } catch {
            logger.warning("study \(studyID): its time point could not be stored (\(error))")
        }
    }

    /// "done" or "failed" if a reduce item of a study in `state` has nothing left to do.
    static func finished(_ state: StudyState) -> String? {
        switch state {
        case .done: return "done"
        case .failed(let reason): return "failed (\(reason))"
        default: return nil
        }
    }
}

extension QueueTransport {
    /// The summary of a study's current attempt (nil if not done or expired); a summary that
    /// does not decode is an error naming its key, never taken for a missing one.
    public func studySummary(_ studyID: String) throws -> StudySummary? {
        let attempt = try studyRecord(studyID)?.attempt ?? 1
        let key = keys.report(studyID, attempt: attempt)
        guard let bytes = try payload(key) else { return nil }
        do { return try JSONDecoder().decode(StudySummary.self, from: Data(bytes)) } catch {
            throw ClusterError(.badPayload, "\(key): study summary does not decode (\(error))")
        }
    }
}
