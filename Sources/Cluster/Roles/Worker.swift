import Foundation
import Logging
import Preparation
import Screening

/// The worker role (queue `slices`): skip batches of failed studies → load the batch payload
/// → classify (ResNet-50 + Grad-CAM) → store the batch result idempotently and free the batch's
/// pixels; the write that completes the study enqueues its reduce item exactly once (one
/// transport call, atomic in Redis).
public final class Worker: @unchecked Sendable {
    /// What classifies a batch: the real network, or a stand-in that only spends time.
    public enum Compute {
        case classifier(SliceClassifier)
        /// Sleep this many milliseconds per batch and answer "negative" for every slice
        /// (fabric benchmarks without a model).
        case simulated(milliseconds: Int)
    }

    public var compute: Compute
    public var resultTTL = ClusterDefaults.resultTTL
    /// Called after each stored batch with (slices in the batch, slices of the study).
    public var progress: ((Int, Int) -> Void)?
    /// Test-only fault injection: abort the process when a batch of this study arrives.
    public var abortOnStudy: String?

    public init(compute: Compute) { self.compute = compute }

    /// Classifier errors are retried: a worker may lack memory where another would not.
    public func handle(_ envelope: Envelope, _ context: HandlerContext) throws {
        do { try process(envelope, context) } catch { throw HandlerError.settling(error) { _ in false } }
    }

    public func process(_ envelope: Envelope, _ context: HandlerContext) throws {
        guard case .sliceBatch(let d) = envelope.body else { throw HandlerError.permanent("not a slice-batch message") }
        if let abortOnStudy, abortOnStudy == d.studyID {
            context.logger.critical("fault injection: aborting on study \(d.studyID)")
            abort()
        }
        let t = context.transport
        // A study fails as a whole (a poison batch, a reducer error), and a new attempt makes
        // the old one's batches moot: either way they would only spend worker time on a result
        // nobody reads.
        let record = try t.studyRecord(d.studyID)
        if (record?.attempt ?? 1) != d.attempt {
            context.logger.notice("study attempt \(d.attempt) is no longer current: batch \(d.batchIndex) skipped")
            try t.deletePayloads([d.payloadKey])
            return
        }
        if case .failed(let reason)? = record?.state {
            context.logger.notice("study already failed (\(reason)): batch \(d.batchIndex) skipped")
            try t.deletePayloads([d.payloadKey])
            return
        }
        if record?.state == .done {  // a redelivered batch: the reducer already freed its payload
            context.logger.notice("study \(d.studyID) is already done: batch \(d.batchIndex) skipped")
            try t.deletePayloads([d.payloadKey])
            return
        }
        guard let bytes = try t.payload(d.payloadKey) else {
            // Storing a result frees its pixels in the same step: a redelivered batch (its worker
            // died before the ack) finds its result instead, and has nothing left to do.
            if try t.hasBatchResult(studyID: d.studyID, attempt: d.attempt, batch: d.batchIndex) {
                context.logger.notice("batch \(d.batchIndex) already has its result: redelivery acked, nothing done")
                return
            }
            throw HandlerError.permanent("missing-payload: payload key '\(d.payloadKey)' does not exist (expired or deleted)")
        }
        let batch = try BatchPayload.decode(bytes, key: d.payloadKey)
        guard batch.slices.map(\.sliceIndex) == d.sliceIndices, batch.studyID == d.studyID else {
            throw HandlerError.permanent("payload '\(d.payloadKey)' holds other slices than the descriptor names")
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let results: [SliceResult]
        let model: ModelInfo
        switch compute {
        case .classifier(let classifier):
            // Slices prepared for another model would be scored, silently, as garbage.
            let prepared = InputPreparation(settings: batch.settings)
            guard prepared == classifier.preparation else {
                throw HandlerError.permanent("model-mismatch: the coordinator prepared these slices with \(prepared.summary), "
                    + "this worker's model wants \(classifier.preparation.summary): give coordinator and workers the same --weights")
            }
            let pipeline = try Pipeline(settings: batch.settings, software: SoftwareInfo(version: "worker"))
            results = try pipeline.classify(batch.slices, with: classifier)
            model = ModelInfo(sha256: classifier.modelSHA256, description: classifier.modelDescription)
        case .simulated(let ms):
            if ms > 0 { context.stop.sleep(Double(ms) / 1000) }
            results = batch.slices.map {
                SliceResult(slice: $0, output: SliceOutput(logit: -10, probability: 0, features: [], fusedMap: nil),
                            positiveThreshold: batch.settings.positiveThreshold)
            }
            model = ModelInfo(sha256: "simulated", description: "simulated compute, \(ms) ms per batch")
        }
        context.progress()  // the engine call is one step: it must fit in the visibility timeout
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let encoded = try BatchResultPayload(model: model, seconds: seconds, results: results).encoded()
        let reduce = ReduceDescriptor(studyID: d.studyID, attempt: d.attempt, batchCount: d.batchCount,
                                      sliceCount: batch.studySliceCount, contextKey: t.keys.contextPayload(d.studyID, attempt: d.attempt))
        let message = try MessageCodec(keys: t.keys).encode(Envelope(body: .reduce(reduce), lane: envelope.lane,
                                                                     id: UUID().uuidString.lowercased()))
        let outcome = try t.writeBatchResult(studyID: d.studyID, attempt: d.attempt, batch: d.batchIndex, batchCount: d.batchCount,
                                             result: encoded, payloadKey: d.payloadKey, reduceMessage: message,
                                             lane: envelope.lane, ttl: resultTTL)
        if outcome.stale {
            context.logger.notice("study attempt \(d.attempt) ended while batch \(d.batchIndex) ran: result dropped")
            return
        }
        if outcome.reduceEnqueued {
            try t.transition(studyID: d.studyID, to: .reducing, attempt: d.attempt)
            context.logger.info("study complete; reduce enqueued")
        }
        if !outcome.stored { context.logger.notice("duplicate batch result ignored (first write wins)") }
        progress?(d.sliceIndices.count, batch.studySliceCount)
    }
}
