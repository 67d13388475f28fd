import Foundation
import Imaging
import Preparation
import Screening
import Volumes
import XCTest
@testable import Cluster

/// The binary payloads between the roles: windowed pixels and Grad-CAM maps in 16-bit fixed
/// point (within 1/131070 of the value), features in Float16, scores exact; anything outside
/// [0, 1] kept exact; clear errors on damaged bytes.
final class PayloadCodecTests: XCTestCase {
    private func assertClose(_ a: [Float], _ b: [Float], within tolerance: Float, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) where abs(x - y) > tolerance {
            XCTFail("\(x) differs from \(y) by more than \(tolerance)", file: file, line: line)
        }
    }

    func testBatchPayloadKeepsUnitIntervalPixelsToSixteenBits() throws {
        let crop = PixelRect(row: 3, column: 5, rows: 100, columns: 90)
        let odd: [Float] = [0, 1, .leastNonzeroMagnitude, 0.1, 1 - .ulpOfOne, 0.333333343]
        let slices = (0..<3).map { k in
            PreparedSlice(sliceIndex: 10 + k, crop: crop, side: 4, pixels: (0..<16).map { odd[($0 + k) % odd.count] })
        }
        let payload = BatchPayload(studyID: "s1", settings: .standard, studySliceCount: 40, slices: slices)
        let bytes = try payload.encoded()
        // Binary, 2 bytes a pixel: 3 × 16 values × 2 bytes plus a small header.
        XCTAssertLessThan(bytes.count, 3 * 16 * 2 + 1500)
        XCTAssertGreaterThanOrEqual(bytes.count, 3 * 16 * 2)
        let decoded = try BatchPayload.decode(bytes, key: "k")
        XCTAssertEqual(decoded.slices.map(\.sliceIndex), [10, 11, 12])
        XCTAssertEqual(decoded.settings, payload.settings)
        for (a, b) in zip(decoded.slices, slices) { assertClose(a.pixels, b.pixels, within: 0.5 / 65535 + 1e-7) }
        XCTAssertEqual(decoded.slices[0].pixels[0], 0)
        XCTAssertEqual(decoded.slices[0].pixels[1], 1)  // the interval's ends are exact
        // One value outside [0, 1]: that slice travels as exact Float32, the others stay compact.
        var wide = slices
        wide[1].pixels[3] = -0.25
        let wideDecoded = try BatchPayload.decode(try BatchPayload(studyID: "s1", settings: .standard, studySliceCount: 40,
                                                                   slices: wide).encoded(), key: "k")
        XCTAssertEqual(wideDecoded.slices[1].pixels, wide[1].pixels)
        XCTAssertNotEqual(wideDecoded.slices[0].pixels, wide[0].pixels)
    }

    func testBatchResultKeepsScoresExactAndMapsFeaturesCompact() throws {
        let crop = PixelRect(row: 0, column: 0, rows: 8, columns: 8)
        let slice = PreparedSlice(sliceIndex: 7, crop: crop, side: 2, pixels: [0, 0, 0, 0])
        var positive = SliceResult(slice: slice, output: SliceOutput(logit: 2.5, probability: 0.924141812, features: [1, -2, 3.25, 0.1234567],
                                                                     fusedMap: [0.1, 0.2, 0.3, 0.4]), positiveThreshold: 0.5)
        positive.sliceIndex = 7
        var negative = SliceResult(slice: slice, output: SliceOutput(logit: -1e-7, probability: 0.49999997, features: [0, 0, 0, 7e4],
                                                                     fusedMap: nil), positiveThreshold: 0.5)
        negative.sliceIndex = 8
        let payload = BatchResultPayload(model: ModelInfo(sha256: "ab", description: "m"), seconds: 0.25, results: [positive, negative])
        let decoded = try BatchResultPayload.decode(try payload.encoded(), what: "r")
        XCTAssertEqual(decoded.model, payload.model)
        XCTAssertEqual(decoded.results.map(\.isPositive), [true, false])
        XCTAssertEqual(decoded.results.map(\.sliceIndex), [7, 8])
        XCTAssertEqual(decoded.results[1].probability.bitPattern, Float(0.49999997).bitPattern)
        XCTAssertEqual(decoded.results[1].logit.bitPattern, Float(-1e-7).bitPattern)
        XCTAssertEqual(decoded.results[0].logit, 2.5)
        assertClose(decoded.results[0].fusedMap ?? [], [0.1, 0.2, 0.3, 0.4], within: 0.5 / 65535 + 1e-7)
        XCTAssertNil(decoded.results[1].fusedMap)
        // Float16: relative error below 2^-11; a value beyond its range keeps the array in Float32.
        for (a, b) in zip(decoded.results[0].features, positive.features) { XCTAssertEqual(a, b, accuracy: abs(b) / 2048) }
        XCTAssertNotEqual(decoded.results[0].features[3], positive.features[3])
        XCTAssertEqual(decoded.results[1].features, negative.features)
    }

    func testVersionOnePayloadsStillDecode() throws {
        // Version 1 framing: Float32 arrays without a storage byte (what older workers wrote).
        struct Header: Codable { var name: String }
        var bytes = Array("TEST".utf8) + [1]
        let json = Array(try JSONEncoder().encode(Header(name: "v1")))
        func u32(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24 & 0xff)] }
        bytes += u32(json.count) + json + u32(1) + u32(2)
        for v: Float in [0.1, -3] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        let (header, arrays) = try BinaryPayload.decode(bytes, magic: "TEST", as: Header.self, what: "k")
        XCTAssertEqual(header.name, "v1")
        XCTAssertEqual(arrays, [[0.1, -3]])
        // An unknown storage code in a version 2 payload is refused, naming the key.
        var v2 = try BinaryPayload.encode(magic: "TEST", header: header, arrays: [[0.5]])
        v2[v2.count - 5] = 9
        XCTAssertThrowsError(try BinaryPayload.decode(v2, magic: "TEST", as: Header.self, what: "the-key")) { error in
            XCTAssertTrue("\(error)".contains("the-key") && "\(error)".contains("storage"), "\(error)")
        }
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

    /// A prepared study of the fixture series (32×32, 12 slices, lungs on slices 1–10).
    private func preparedStudy() throws -> (Volume, LungRegion, PreparedStudy) {
        let folder = try StudyFixtures.temporaryFolder("context")
        defer { try? FileManager.default.removeItem(at: folder) }
        let volume = try StudyFile.read(try StudyFixtures.writeSeries(to: folder, slices: 12, brightness: 30).path)
        let region = try StudyFixtures.BoxSegmenter().segment(volume)
        let pipeline = try Pipeline(settings: .standard, software: SoftwareInfo(version: "t"))
        return (volume, region, try pipeline.prepare(volume: volume, region: region, studyID: "s", source: folder.path))
    }

    /// The study context carries the reducer's backdrops as PNG blobs, losslessly, and the rest
    /// as before; prepared pixels are not carried (the batches hold them).
    func testStudyContextCarriesBackdropsLosslessly() throws {
        let (volume, region, prepared) = try preparedStudy()
        let candidates = SliceBackdrops.candidates(of: prepared)
        XCTAssertEqual(candidates, Array(1...10))
        let backdrops = SliceBackdrops(volume: volume, slices: candidates, settings: .standard)
        let context = StudyContext(study: prepared, region: region, settings: .standard, backdrops: try PackedBackdrops(backdrops),
                                   outputRoot: "/out", timings: [StageTiming(stage: "read", seconds: 1.5)], label: "box")
        let decoded = try StudyContext.decode(try context.encoded(), key: "k")
        XCTAssertEqual(try decoded.backdrops.unpacked(what: "k"), backdrops)
        XCTAssertEqual(decoded.study.slices, [])
        XCTAssertEqual(decoded.study.lungSlices, prepared.lungSlices)
        XCTAssertEqual(decoded.study.geometry, volume.geometry)
        XCTAssertEqual(decoded.region.mask, region.mask)
        XCTAssertEqual(decoded.settings, .standard)
        XCTAssertEqual([decoded.outputRoot, decoded.label], ["/out", "box"])
        XCTAssertEqual(decoded.timings, [StageTiming(stage: "read", seconds: 1.5)])
    }

    /// A context whose backdrops do not fit its header, or whose PNG is damaged, is a bad
    /// payload naming the key (the study fails with that reason; nothing crashes).
    func testDamagedBackdropsAreABadPayloadNamingTheKey() throws {
        let (volume, region, prepared) = try preparedStudy()
        let packed = try PackedBackdrops(SliceBackdrops(volume: volume, slices: [1, 2], settings: .standard))
        func context(_ b: PackedBackdrops) -> StudyContext {
            StudyContext(study: prepared, region: region, settings: .standard, backdrops: b, outputRoot: nil, timings: [])
        }
        var garbled = packed
        garbled.pngs[1] = Array(garbled.pngs[1].prefix(30)) + [UInt8](repeating: 7, count: 30)
        let decoded = try StudyContext.decode(try context(garbled).encoded(), key: "ctscreen:payload:s:a1:context")
        XCTAssertThrowsError(try decoded.backdrops.unpacked(what: "ctscreen:payload:s:a1:context")) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .badPayload)
            XCTAssertTrue("\(error)".contains("ctscreen:payload:s:a1:context"), "\(error)")
            XCTAssertTrue("\(error)".contains("slice 2"), "\(error)")
        }
        var oversized = packed
        oversized.columns = 4096  // the PNGs are 32 wide: refused before decoding pixels
        XCTAssertThrowsError(try StudyContext.decode(try context(oversized).encoded(), key: "k").backdrops.unpacked(what: "k"))
        var short = packed
        short.slices = [1]
        XCTAssertThrowsError(try StudyContext.decode(try context(short).encoded(), key: "k")) { error in
            XCTAssertEqual((error as? ClusterError)?.code, .badPayload)
        }
        // A batch payload is not a context, and a context carries no stray float arrays.
        let batch = try BatchPayload(studyID: "s", settings: .standard, studySliceCount: 0, slices: []).encoded()
        XCTAssertThrowsError(try StudyContext.decode(batch, key: "k"))
    }

    /// Byte blobs travel after the float arrays, exactly; a payload with blobs is refused where
    /// none are expected.
    func testBinaryPayloadBlobsRoundTrip() throws {
        struct Header: Codable, Equatable { var n: Int }
        let blobs: [[UInt8]] = [[], [0, 255, 7], Array(repeating: 9, count: 1000)]
        let bytes = try BinaryPayload.encode(magic: "TEST", header: Header(n: 3), arrays: [[1.5, -2]], blobs: blobs)
        let (h, arrays, back) = try BinaryPayload.decodeWithBlobs(bytes, magic: "TEST", as: Header.self, what: "k")
        XCTAssertEqual(h, Header(n: 3))
        XCTAssertEqual(arrays, [[1.5, -2]])
        XCTAssertEqual(back, blobs)
        XCTAssertThrowsError(try BinaryPayload.decode(bytes, magic: "TEST", as: Header.self, what: "k")) { error in
            XCTAssertTrue("\(error)".contains("unexpected byte blobs"), "\(error)")
        }
        XCTAssertThrowsError(try BinaryPayload.decodeWithBlobs(Array(bytes.dropLast()), magic: "TEST", as: Header.self, what: "k"))
    }
}
