import Foundation
import Logging
import Preparation
import Screening
import Volumes

/// The coordinator role (queue `studies`): ingest → lung mask → prepare → one payload key per
/// slice batch plus the study context → batch descriptors on `slices`, with backpressure.
/// A study that cannot be read, segmented or prepared is dead-lettered at once (the study is
/// marked failed with the reason); nothing else is affected.
public final class Coordinator: @unchecked Sendable {
    public var pipeline: Pipeline
    public var reader: StudyReading
    public var segmenter: (String) -> LungSegmenting
    public var payloadTTL = ClusterDefaults.payloadTTL
    /// Stop splitting while the slice queue (both lanes) holds this many items or more.
    public var highWaterMark = ClusterDefaults.highWaterMark
    /// Admission by bytes: a study is split only when Redis has room for all of it.
    public var admission = Admission()
    /// The study id written into the report (default: the descriptor's id). `analyze` keeps
    /// the input's name, which may lie outside the id alphabet of keys.
    public var reportID: (StudyDescriptor) -> String = { $0.studyID }
    /// Timings to put before the coordinator's own (e.g. "load model" in `analyze`).
    public var leadingTimings: [StageTiming] = []
    /// Whether reading counts as a "read" stage (false when the caller read the volume and
    /// timed it already, as `analyze` does).
    public var measuresRead = true
    /// Announces stages without slice counts ("segment"), for a progress line.
    public var onStage: ((String) -> Void)?

    public init(pipeline: Pipeline, reader: StudyReading = FileStudyReader(),
                segmenter: @escaping (String) -> LungSegmenting = { ClassicalLungSegmenter(studyID: $0) }) {
        self.pipeline = pipeline
        self.reader = reader
        self.segmenter = segmenter
    }

    /// The serve-loop handler: study errors are permanent (the same input fails the same way).
    public func handle(_ envelope: Envelope, _ context: HandlerContext) throws {
        // A study's own errors fail it the same way every time; a decoder that could not even
        // start (no processes left) says nothing about the study: retried.
        do { try process(envelope, context) } catch {
            throw HandlerError.settling(error) { ($0 as? VolumeError)?.kind != .decoderUnavailable }
        }
    }

    /// The work itself; errors are thrown as they come (the in-process runner reports them as is).
    public func process(_ envelope: Envelope, _ context: HandlerContext) throws {
        guard case .study(let d) = envelope.body else { throw HandlerError.permanent("not a study message") }
        let t = context.transport
        // A newer attempt was started (`submit --new-attempt`): this one's work would be ignored.
        guard try t.isCurrent(studyID: d.studyID, attempt: d.attempt) else {
            context.logger.notice("study attempt \(d.attempt) is no longer current: skipped")
            return
        }
        // A redelivered study message (its coordinator died after pushing every batch, or the study
        // is done or failed): splitting it again would classify its slices twice. The batches are
        // all pushed before `classifying` is set, so from there on there is nothing left to do.
        if let state = try t.studyRecord(d.studyID)?.state, state.name != .queued, state.name != .ingesting {
            context.logger.notice("study \(d.studyID) attempt \(d.attempt) is already \(state.name.rawValue): not split again")
            return
        }
        try t.transition(studyID: d.studyID, to: .ingesting, attempt: d.attempt)
        var clock = StageClock()
        for timing in leadingTimings { clock.add(timing.stage, seconds: timing.seconds) }
        let name = reportID(d)
        let volume = measuresRead ? try clock.measure("read") { try reader.read(d.sources) } : try reader.read(d.sources)
        onStage?("segment")
        context.progress()
        let region = try clock.measure("segment") { try segmenter(name).segment(volume) }
        let (prepared, backdrops) = try clock.measure("prepare") {
            let prepared = try pipeline.prepare(volume: volume, region: region, studyID: name, source: d.sources.first ?? "")
            // What the reducer draws on: it never reads the study's files again.
            let backdrops = SliceBackdrops(volume: volume, slices: SliceBackdrops.candidates(of: prepared),
                                           settings: pipeline.settings)
            return (prepared, try PackedBackdrops(backdrops))
        }
        let contextBytes = try StudyContext(study: prepared, region: region, settings: pipeline.settings, backdrops: backdrops,
                                            outputRoot: d.outputRoot, timings: clock.timings, label: d.label).encoded()
        context.progress()
        let batches = pipeline.batches(of: prepared)
        let bytes = Admission.estimatedBytes(slices: prepared.slices.count, side: pipeline.settings.inputSize) + contextBytes.count
        guard try admission.waitForRoom(bytes: bytes, transport: t, stop: context.stop, logger: context.logger,
                                        progress: context.progress) else {
            throw HandlerError.handBack
        }
        let keys = t.keys
        try t.putPayload(keys.contextPayload(d.studyID, attempt: d.attempt), contextBytes, ttl: payloadTTL)
        let codec = MessageCodec(keys: keys)
        for (n, batch) in batches.enumerated() {
            guard try Backpressure.waitBelow(highWaterMark, queue: .slices, transport: t, stop: context.stop,
                                                 progress: context.progress) else {
                throw HandlerError.handBack
            }
            let key = keys.batchPayload(d.studyID, attempt: d.attempt, batch: n)
            let payload = BatchPayload(studyID: d.studyID, settings: pipeline.settings,
                                       studySliceCount: prepared.slices.count, slices: batch)
            try t.putPayload(key, try payload.encoded(), ttl: payloadTTL)
            // Deterministic id: a re-run of this study re-sends the same messages.
            let descriptor = SliceBatchDescriptor(studyID: d.studyID, attempt: d.attempt, batchIndex: n, batchCount: batches.count,
                                                  sliceIndices: batch.map(\.sliceIndex), payloadKey: key)
            let message = Envelope(body: .sliceBatch(descriptor), lane: envelope.lane, id: "\(envelope.id)-b\(n)")
            try t.push(try codec.encode(message), to: .slices, lane: envelope.lane)
        }
        try t.transition(studyID: d.studyID, to: .classifying, attempt: d.attempt)
        context.logger.info("study split into batches", metadata: [
            "slices": "\(prepared.slices.count)", "batches": "\(batches.count)", "context.bytes": "\(contextBytes.count)",
        ])
    }
}
