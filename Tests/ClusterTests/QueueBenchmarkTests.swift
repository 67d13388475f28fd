import Foundation
import XCTest
@testable import Cluster

/// The queue-fabric benchmark. A small run checks its bookkeeping on every test run (no
/// timing asserted); `Scripts/bench-queue` sets CTSCREEN_BENCH_QUEUE=1 for the full runs,
/// which print their figures.
final class QueueBenchmarkTests: XCTestCase {
    func testSmallRunCompletesEveryStudyExactlyOnce() throws {
        var s = QueueBenchmark.Settings()
        s.studies = 5
        s.batchesPerStudy = 3
        s.slicesPerBatch = 4
        s.workers = 3
        let keys = try Keys(prefix: TestSupport.randomPrefix())
        let transport = InMemoryTransport(keys: keys)
        let r = try QueueBenchmark(settings: s, logger: TestSupport.logger, makeTransport: { transport }).run()
        XCTAssertEqual(r.slices, 60)
        XCTAssertEqual(r.batches, 15)
        XCTAssertEqual(r.reduceItems, 5, "one reduce item per study")
    }

    func testBenchmarkThroughRedis() throws {
        guard ProcessInfo.processInfo.environment["CTSCREEN_BENCH_QUEUE"] == "1" else {
            throw XCTSkip("set CTSCREEN_BENCH_QUEUE=1 (Scripts/bench-queue) to run the queue benchmark")
        }
        let url = try TestSupport.redisURL()
        let env = ProcessInfo.processInfo.environment
        func setting(_ name: String, _ value: Int) -> Int { env[name].flatMap(Int.init) ?? value }
        for (label, payload, batch) in [("descriptor-sized payloads", 1024, 16),
                                        ("lung-crop payloads (128 KiB/slice)", 128 * 1024, 16),
                                        ("one slice per item", 1024, 1)] {
            for workers in [1, 2, 4, 8] {
                try TestSupport.flush(url)
                var s = QueueBenchmark.Settings()
                s.workers = setting("BENCH_WORKERS_MAX", 8) >= workers ? workers : 0
                if s.workers == 0 { continue }
                s.slicesPerBatch = batch
                s.payloadBytesPerSlice = payload
                s.studies = setting("BENCH_STUDIES", payload > 64 * 1024 ? 20 : (batch == 1 ? 200 : 100))
                let prefix = TestSupport.randomPrefix()
                let r = try QueueBenchmark(settings: s, logger: TestSupport.logger) {
                    try RedisTransport(url: url, keys: try Keys(prefix: prefix), logger: TestSupport.logger)
                }.run()
                print("bench-queue: \(label), \(batch) slices/batch, \(workers) workers: \(r)")
            }
        }
        try TestSupport.flush(url)
    }
}
