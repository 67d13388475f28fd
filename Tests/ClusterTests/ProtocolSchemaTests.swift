import Foundation
import XCTest
@testable import Cluster

/// The JSON Schemas in Protocols/messages describe exactly what the code writes: every
/// field the encoder emits is a schema property, and every required property is emitted.
final class ProtocolSchemaTests: XCTestCase {
    static let messagesDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocols/messages")

    func schema(_ name: String) throws -> (properties: Set<String>, required: Set<String>) {
        let data = try Data(contentsOf: Self.messagesDir.appendingPathComponent(name))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let properties = try XCTUnwrap(object["properties"] as? [String: Any])
        return (Set(properties.keys), Set(object["required"] as? [String] ?? []))
    }

    func jsonKeys(_ bytes: [UInt8], at path: String? = nil) throws -> Set<String> {
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        if let path { object = try XCTUnwrap(object[path] as? [String: Any]) }
        return Set(object.keys)
    }

    func check(_ keys: Set<String>, against file: String, minimal: Bool) throws {
        let s = try schema(file)
        XCTAssertTrue(keys.isSubset(of: s.properties), "\(file): emitted \(keys.subtracting(s.properties)) not in the schema")
        XCTAssertTrue(s.required.isSubset(of: keys), "\(file): required \(s.required.subtracting(keys)) not emitted")
        if !minimal { XCTAssertEqual(keys, s.properties, "\(file): a full example emits every property") }
    }

    func testMessagesMatchTheirSchemas() throws {
        let codec = MessageCodec(keys: .standard)
        let full: [(MessageBody, String)] = [
            (.study(StudyDescriptor(studyID: "s", attempt: 1, label: "CT", sources: ["/a"], patientID: "p", acquired: "2020-01-01",
                                    outputRoot: "/o")), "study.schema.json"),
            (.sliceBatch(SliceBatchDescriptor(studyID: "s", batchIndex: 0, batchCount: 1, sliceIndices: [0],
                                              payloadKey: Keys.standard.batchPayload("s", attempt: 1, batch: 0))), "slice-batch.schema.json"),
            (.reduce(ReduceDescriptor(studyID: "s", batchCount: 1, sliceCount: 1, contextKey: Keys.standard.contextPayload("s", attempt: 1))), "reduce.schema.json"),
        ]
        for (body, file) in full {
            let raw = try codec.encode(Envelope(body: body))
            try check(try jsonKeys(raw), against: "envelope.schema.json", minimal: false)
            try check(try jsonKeys(raw, at: "body"), against: file, minimal: false)
        }
        let minimal = try codec.encode(Envelope(body: .study(StudyDescriptor(studyID: "s", sources: ["/a"]))))
        try check(try jsonKeys(minimal, at: "body"), against: "study.schema.json", minimal: true)
    }

    func testDeadLetterAndProcessRecordsMatchTheirSchemas() throws {
        let d = Delivery(raw: Array("x".utf8), queue: .slices, lane: .bulk, process: "w")
        let record = DeadLetter(cause: .badJSON, reason: "r", delivery: d, attempts: 1, messageID: "m", studyID: "s")
        try check(try jsonKeys(record.encoded()), against: "dead-letter.schema.json", minimal: false)
        let process = Array(try JSONEncoder().encode(ProcessRecord(id: "w", role: "worker")))
        try check(try jsonKeys(process), against: "process.schema.json", minimal: false)
    }
}
