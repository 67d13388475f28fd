import Foundation
import Logging
import Preparation
import Screening
import Volumes

/// One study through coordinator → worker → reducer in this process, over an
/// `InMemoryTransport`: the code path of `ctscreen analyze`, identical to the cluster's except
/// for the transport. Errors surface as the stage threw them (no retries).
public struct LocalRunner {
    public var pipeline: Pipeline
    public var classifier: SliceClassifier
    public var segmenter: LungSegmenting
    public var volumeWriter: VolumeFileWriting?
    /// Threads for writing pictures.
    public var threads = 1
    /// Silent by default: `analyze` reports through its own output, not log lines.
    public var logger = Logger(label: "ctscreen.local", factory: { _ in SwiftLogNoOpLogHandler() })

    public init(pipeline: Pipeline, classifier: SliceClassifier, segmenter: LungSegmenting,
                volumeWriter: VolumeFileWriting?) {
        self.pipeline = pipeline
        self.classifier = classifier
        self.segmenter = segmenter
        self.volumeWriter = volumeWriter
    }

    /// Screens `volume` (read from `source`) into `outputFolder`. `timings` so far (e.g. model
    /// loading and reading) lead the report's timings; `progress(done, total)` counts slices;
    /// `stage(name)` announces "segment" and "write".
    public func run(volume: Volume, studyName: String, source: String, outputFolder: URL,
                    timings: [StageTiming] = [], stage: @escaping (String) -> Void = { _ in },
                    progress: @escaping (Int, Int) -> Void = { _, _ in }) throws -> ScreeningReport {
        let transport = InMemoryTransport()
        let studyID = "local"
        let reader = FixedStudyReader(volume: volume)
        let coordinator = Coordinator(pipeline: pipeline, reader: reader, segmenter: { [segmenter] _ in segmenter })
        coordinator.reportID = { _ in studyName }
        coordinator.leadingTimings = timings
        coordinator.highWaterMark = .max
        coordinator.onStage = stage
        coordinator.measuresRead = false
        let worker = Worker(compute: .classifier(classifier))
        var done = 0
        worker.progress = { n, total in done += n; progress(done, total) }
        let reducer = Reducer(software: pipeline.software, outputRoot: outputFolder.path, volumeWriter: volumeWriter)
        reducer.folder = { root, _ in URL(fileURLWithPath: root) }
        reducer.threads = threads
        reducer.onStage = stage
        var report: ScreeningReport?
        reducer.onReport = { r, _ in report = r }

        let codec = MessageCodec(keys: transport.keys)
        let descriptor = StudyDescriptor(studyID: studyID, sources: [source], outputRoot: outputFolder.path)
        let envelope = Envelope(body: .study(descriptor))
        // A fresh transport: the claim always succeeds (the same step `submit` takes).
        _ = try transport.claimStudy(StudyClaim(studyID: studyID, identity: "local:\(source)", label: "", attempt: 1,
                                                token: envelope.id),
                                     message: try codec.encode(envelope), lane: .bulk, newAttempt: false)

        var failure: Error?
        let stop = StopFlag()
        func drain(_ queue: QueueName, _ body: @escaping (Envelope, HandlerContext) throws -> Void) throws {
            var configuration = ServeConfiguration(queue: queue, role: "local", processID: "local-\(queue.rawValue)")
            configuration.maxAttempts = 1
            configuration.reapInterval = nil
            let loop = ServeLoop(transport: transport, configuration: configuration, stop: stop, logger: logger)
            while failure == nil, try loop.step({ envelope, context in
                do { try body(envelope, context) } catch { failure = error; throw error }
            }, timeout: 0) != nil {}
            if let failure { throw failure }
        }
        try drain(.studies, coordinator.process)
        try drain(.slices, worker.process)
        try drain(.reduce, reducer.process)
        guard let report else {
            let state = try transport.studyRecord(studyID)?.state.description ?? "unknown"
            throw ScreeningError.inconsistentInput("\(studyName): the study did not complete (state \(state))")
        }
        return report
    }
}

/// A reader that hands out a volume already in memory.
public struct FixedStudyReader: StudyReading, @unchecked Sendable {
    public var volume: Volume
    public init(volume: Volume) { self.volume = volume }
    public func read(_ sources: [String]) throws -> Volume { volume }
}
