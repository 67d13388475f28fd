import XCTest
@testable import Cluster

final class MessageCodecTests: XCTestCase {
    let codec = MessageCodec(keys: .standard)

    func testRoundTripOfEveryKind() throws {
        let bodies: [MessageBody] = [
            .study(StudyDescriptor(studyID: "1.2.840.1", attempt: 2, label: "CT", sources: ["/in/a"], patientID: "P1", acquired: "2020-03-01", outputRoot: "/out")),
            .sliceBatch(SliceBatchDescriptor(studyID: "s", batchIndex: 1, batchCount: 2, sliceIndices: [4, 5],
                                             payloadKey: Keys.standard.batchPayload("s", attempt: 1, batch: 1))),
            .reduce(ReduceDescriptor(studyID: "s", batchCount: 2, sliceCount: 4, contextKey: Keys.standard.contextPayload("s", attempt: 1))),
        ]
        for body in bodies {
            let env = Envelope(body: body, lane: .urgent, id: "m1", created: 1_600_000_000.5)
            let raw = try codec.encode(env)
            XCTAssertEqual(try codec.decode(raw, expecting: body.kind), env)
        }
    }

    func testWireFormatIsTheDocumentedOne() throws {
        let env = Envelope(body: .reduce(ReduceDescriptor(studyID: "s", batchCount: 2, sliceCount: 4)),
                           lane: .bulk, id: "m1", created: 12)
        XCTAssertEqual(String(decoding: try codec.encode(env), as: UTF8.self),
                       #"{"body":{"attempt":1,"batch_count":2,"slice_count":4,"study_id":"s"},"created":12,"id":"m1","kind":"reduce","lane":"bulk","v":2}"#)
    }

    func testRejectsHostileFields() throws {
        func rejection(_ body: MessageBody) throws -> MessageRejection.Kind? {
            do { _ = try codec.decode(try codec.encode(Envelope(body: body))); return nil } catch let r as MessageRejection { return r.kind }
        }
        let ok = SliceBatchDescriptor(studyID: "s", batchIndex: 0, batchCount: 1, sliceIndices: [0], payloadKey: Keys.standard.batchPayload("s", attempt: 1, batch: 0))
        XCTAssertNil(try rejection(.sliceBatch(ok)))
        var b = ok; b.studyID = "../../etc"; XCTAssertEqual(try rejection(.sliceBatch(b)), .invalidField)
        b = ok; b.studyID = ""; XCTAssertEqual(try rejection(.sliceBatch(b)), .invalidField)
        b = ok; b.payloadKey = "ctscreen:processes"; XCTAssertEqual(try rejection(.sliceBatch(b)), .invalidField)
        b = ok; b.sliceIndices = [-1]; XCTAssertEqual(try rejection(.sliceBatch(b)), .invalidField)
        b = ok; b.batchCount = 0; XCTAssertEqual(try rejection(.sliceBatch(b)), .invalidField)
        XCTAssertEqual(try rejection(.study(StudyDescriptor(studyID: "s", sources: []))), .invalidField)
        b = ok; b.attempt = 0; XCTAssertEqual(try rejection(.sliceBatch(b)), .invalidField)
        // A label becomes part of an output folder name: no separators, no traversal.
        XCTAssertEqual(try rejection(.study(StudyDescriptor(studyID: "s", label: "../etc", sources: ["/a"]))), .invalidField)
        XCTAssertNil(try rejection(.study(StudyDescriptor(studyID: "s", label: "CT", sources: ["/a"]))))
        XCTAssertThrowsError(try codec.decode(Array(#"{"v":true,"id":"x"}"#.utf8))) { e in
            XCTAssertEqual((e as? MessageRejection)?.kind, .unknownVersion)
        }
    }

    func testDeadLetterRecordRoundTrip() throws {
        let d = Delivery(raw: Array("{bad".utf8), queue: .slices, lane: .urgent, process: "w1")
        let record = DeadLetter(cause: .badJSON, reason: "not valid JSON (4 bytes)", delivery: d, attempts: 0,
                                messageID: nil, studyID: nil, at: 5)
        XCTAssertEqual(DeadLetter.decode(record.encoded()), record)
        XCTAssertEqual(record.message, "{bad")
        XCTAssertEqual(record.encoding, "utf8")
    }
}
