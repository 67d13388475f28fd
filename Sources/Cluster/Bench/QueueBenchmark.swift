import Foundation
import Logging

/// Throughput of the queue fabric alone: simulated workers run the real `ServeLoop` on the
/// slice queue (take → payload read → idempotent result write → ack) with no compute, or a
/// fixed simulated compute time per batch. Used by `Scripts/bench-queue`.
public struct QueueBenchmark {
    public struct Settings: Sendable {
        public var studies = 100
        public var batchesPerStudy = 8
        public var slicesPerBatch = 16
        /// Bytes of payload per slice (a real lung crop is ~100–200 KB as Int16).
        public var payloadBytesPerSlice = 1024
        public var resultBytesPerSlice = 16
        public var workers = 4
        /// Simulated compute per batch (milliseconds), 0 for none.
        public var simulateMilliseconds = 0.0
        public init() {}
    }

    public struct Result: Sendable, CustomStringConvertible {
        public var slices: Int
        public var batches: Int
        public var seconds: Double
        public var reduceItems: Int
        public var slicesPerSecond: Double { Double(slices) / seconds }
        public var batchesPerSecond: Double { Double(batches) / seconds }
        public var description: String {
            String(format: "%d slices in %d batches in %.3f s: %.0f slices/s, %.0f batches/s (%d reduce items)",
                   slices, batches, seconds, slicesPerSecond, batchesPerSecond, reduceItems)
        }
    }

    public let settings: Settings
    public let makeTransport: () throws -> QueueTransport
    public let logger: Logger

    public init(settings: Settings, logger: Logger, makeTransport: @escaping () throws -> QueueTransport) {
        self.settings = settings
        self.makeTransport = makeTransport
        self.logger = logger
    }

    public func run() throws -> Result {
        let s = settings
        let producer = try makeTransport()
        let keys = producer.keys
        let codec = MessageCodec(keys: keys)
        let payload = [UInt8](repeating: 7, count: s.payloadBytesPerSlice * s.slicesPerBatch)
        // Fill the slice queue first (what coordinators would have done), so the timed part is
        // the workers alone.
        for study in 0..<s.studies {
            let id = "bench-\(study)"
            var messages: [[UInt8]] = []
            for b in 0..<s.batchesPerStudy {
                let key = keys.batchPayload(id, attempt: 1, batch: b)
                try producer.putPayload(key, payload, ttl: 3600)
                let first = b * s.slicesPerBatch
                messages.append(try codec.encode(Envelope(body: .sliceBatch(SliceBatchDescriptor(
                    studyID: id, batchIndex: b, batchCount: s.batchesPerStudy,
                    sliceIndices: Array(first..<(first + s.slicesPerBatch)), payloadKey: key)))))
            }
            try producer.push(messages, to: .slices, lane: .bulk)
        }
        let totalBatches = s.studies * s.batchesPerStudy
        let stop = StopFlag()
        let done = DispatchGroup()
        let failures = LockedList()
        let result = [UInt8](repeating: 1, count: s.resultBytesPerSlice * s.slicesPerBatch)
        let started = Date()
        for w in 0..<s.workers {
            let transport = try makeTransport()
            var config = ServeConfiguration(queue: .slices, role: "bench-worker", processID: "bench-w\(w)")
            config.reapInterval = nil
            let loop = ServeLoop(transport: transport, configuration: config, stop: stop, logger: logger)
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                do {
                    while let _ = try loop.step({ env, ctx in
                        guard case .sliceBatch(let d) = env.body else { return }
                        _ = try ctx.transport.payload(d.payloadKey)
                        if s.simulateMilliseconds > 0 { Thread.sleep(forTimeInterval: s.simulateMilliseconds / 1000) }
                        let reduce = try codec.encode(Envelope(body: .reduce(ReduceDescriptor(
                            studyID: d.studyID, batchCount: d.batchCount, sliceCount: d.batchCount * d.sliceCount))))
                        _ = try ctx.transport.writeBatchResult(studyID: d.studyID, attempt: d.attempt, batch: d.batchIndex, batchCount: d.batchCount,
                                                               result: result, payloadKey: d.payloadKey, reduceMessage: reduce,
                                                               lane: env.lane, ttl: 3600)
                    }, timeout: 0) {}
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        done.wait()
        let seconds = Date().timeIntervalSince(started)
        if let f = failures.items.first { throw ClusterError(.unexpectedReply, "benchmark worker failed: \(f)") }
        let reduceItems = try producer.depth(.reduce, lane: .bulk)
        let processed = try producer.counter("processed:slices")
        guard processed == totalBatches else {
            throw ClusterError(.unexpectedReply, "benchmark processed \(processed) of \(totalBatches) batches")
        }
        return Result(slices: totalBatches * s.slicesPerBatch, batches: totalBatches, seconds: seconds, reduceItems: reduceItems)
    }
}

/// Strings appended from several threads.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
