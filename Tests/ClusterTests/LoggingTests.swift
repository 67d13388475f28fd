import Foundation
import Logging
import XCTest
@testable import Cluster

/// Log records kept in memory, for tests that check what operators will read.
final class CapturedLogs: @unchecked Sendable {
    struct Record { var level: Logger.Level; var message: String; var metadata: [String: String] }
    private let lock = NSLock()
    private var storage: [Record] = []
    func append(_ r: Record) { lock.lock(); storage.append(r); lock.unlock() }
    var records: [Record] { lock.lock(); defer { lock.unlock() }; return storage }

    func logger() -> Logger {
        Logger(label: "capture") { _ in Handler(sink: self) }
    }

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                 source: String, file: String, function: String, line: UInt) {
            let all = metadata.merging(explicit ?? [:]) { $1 }
            sink.append(Record(level: level, message: message.description, metadata: all.mapValues { "\($0)" }))
        }
    }
}

final class LoggingTests: XCTestCase {
    func testReaperLogNamesTheRecoveredItem() throws {
        let logs = CapturedLogs()
        let t = InMemoryTransport(keys: try Keys(prefix: TestSupport.randomPrefix()))
        let raw = try TestSupport.studyMessage("1.2.3", keys: t.keys)
        let id = try MessageCodec(keys: t.keys).decode(raw).id
        try t.push(raw, to: .studies, lane: .bulk)
        try t.beat("w-dead", ttl: 0.01)
        try t.register(ProcessRecord(id: "w-dead", role: "worker"))
        _ = try t.take(from: .studies, process: "w-dead", timeout: 0, stop: nil)
        Thread.sleep(forTimeInterval: 0.05)
        _ = try Reaper(transport: t, holder: "r", outageGrace: 0, logger: logs.logger()).runOnce()
        let record = try XCTUnwrap(logs.records.first { $0.message == "reaper recovered an item" })
        XCTAssertEqual(record.metadata["message.id"], id)
        XCTAssertEqual(record.metadata["study.id"], "1.2.3")
        XCTAssertEqual(record.metadata["from.process"], "w-dead")
        XCTAssertEqual(record.metadata["queue"], "studies")
    }

    func testServeLoopLogsCarryProcessAndStudyIDs() throws {
        let logs = CapturedLogs()
        let t = InMemoryTransport(keys: try Keys(prefix: TestSupport.randomPrefix()))
        try t.push(try TestSupport.studyMessage("9.8.7", keys: t.keys), to: .studies, lane: .bulk)
        let loop = ServeLoop(transport: t, configuration: ServeConfiguration(queue: .studies, role: "coordinator", processID: "c-log"),
                             stop: StopFlag(), logger: logs.logger())
        var seen: [String: String] = [:]
        _ = try loop.step({ _, ctx in
            ctx.logger.info("ingesting")
            throw HandlerError.permanent("not CT")
        }, timeout: 0)
        seen = try XCTUnwrap(logs.records.first { $0.message == "ingesting" }).metadata
        XCTAssertEqual(seen["process.id"], "c-log")
        XCTAssertEqual(seen["study.id"], "9.8.7")
        let dead = try XCTUnwrap(logs.records.first { $0.message == "dead-lettered an item" })
        XCTAssertEqual(dead.level, .warning)
        XCTAssertEqual(dead.metadata["reason"], "not CT")
        XCTAssertEqual(dead.metadata["cause"], "permanent-failure")
        XCTAssertEqual(dead.metadata["process.id"], "c-log")
    }
}
