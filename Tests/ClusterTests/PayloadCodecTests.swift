import Foundation
import Screening
import XCTest
@testable import Cluster

/// The binary payloads between the roles: exact round trips (bit patterns, NaN-free
/// extremes included) and clear errors on damaged bytes.
final class PayloadCodecTests: XCTestCase {
    func testBatchPayloadRoundTripsExactly() throws {
        let crop = PixelRect(row: 3, column: 5, rows: 100, columns: 90)
        let odd: [Float] = [0, 1, .leastNonzeroMagnitude, 0.1, 1 - .ulpOfOne, 0.333333343]
        let slices = (0..<3).map { k in
            PreparedSlice(sliceIndex: 10 + k, crop: crop, side: 4, pixels: (0..<16).map { odd[($0 + k) % odd.count] })
        }
        let payload = BatchPayload(studyID: "s1", settings: .standard, studySliceCount: 40, slices: slices)
        let bytes = try payload.encoded()
        // Binary, not JSON floats: 3 × 16 values × 4 bytes plus a small header.
        XCTAssertLessThan(bytes.count, 3 * 16 * 4 + 1500)
        XCTAssertEqual(try BatchPayload.decode(bytes, key: "k"), payload)
    }

    func testBatchResultRoundTripsExactly() throws {
        let crop = PixelRect(row: 0, column: 0, rows: 8, columns: 8)
        let slice = PreparedSlice(sliceIndex: 7, crop: crop, side: 2, pixels: [0, 0, 0, 0])
        var positive = SliceResult(slice: slice, output: SliceOutput(logit: 2.5, probability: 0.924141812, features: [1, -2, 3.25],
                                                                     fusedMap: [0.1, 0.2, 0.3, 0.4]), positiveThreshold: 0.5)
        positive.sliceIndex = 7
        var negative = SliceResult(slice: slice, output: SliceOutput(logit: -1e-7, probability: 0.49999997, features: [0, 0, 0],
                                                                     fusedMap: nil), positiveThreshold: 0.5)
        negative.sliceIndex = 8
        let payload = BatchResultPayload(model: ModelInfo(sha256: "ab", description: "m"), seconds: 0.25, results: [positive, negative])
        let decoded = try BatchResultPayload.decode(try payload.encoded(), what: "r")
        XCTAssertEqual(decoded, payload)
        XCTAssertEqual(decoded.results.map(\.isPositive), [true, false])
        XCTAssertEqual(decoded.results[1].probability.bitPattern, Float(0.49999997).bitPattern)
    }

    func testDamagedPayloadsThrowNamingTheKey() throws {
        let slice = PreparedSlice(sliceIndex: 0, crop: PixelRect(row: 0, column: 0, rows: 1, columns: 1), side: 2, pixels: [1, 2, 3, 4])
        let bytes = try BatchPayload(studyID: "s", settings: .standard, studySliceCount: 1, slices: [slice]).encoded()
        for damaged in [Array(bytes.dropLast(3)), Array("not a payload".utf8), [], bytes + [0]] {
            XCTAssertThrowsError(try BatchPayload.decode(damaged, key: "prefix:payload:s:batch:0")) { error in
                let e = error as? ClusterError
                XCTAssertEqual(e?.code, .badPayload)
                XCTAssertTrue(e?.message.contains("prefix:payload:s:batch:0") == true, "\(error)")
            }
        }
        // A result payload is not a batch payload.
        let result = try BatchResultPayload(model: ModelInfo(sha256: "", description: ""), seconds: 0, results: []).encoded()
        XCTAssertThrowsError(try BatchPayload.decode(result, key: "k"))
    }
}
