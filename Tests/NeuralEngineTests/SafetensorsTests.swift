import CTScreenTestSupport
import Foundation
import XCTest
@testable import NeuralEngine

final class SafetensorsTests: XCTestCase {
    /// A file built by hand: header JSON + payload bytes, the length prefix optionally overridden.
    func file(header: String, payload: [UInt8], length: UInt64? = nil) -> Data {
        var d = Data()
        let h = Array(header.utf8)
        withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: h)
        d.append(contentsOf: payload)
        return d
    }

    func f32Bytes(_ v: [Float]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } } }

    func expectError(_ kind: EngineError.Kind, tensor: String = "", _ body: () throws -> Void,
                     file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected \(kind)", file: file, line: line)
        } catch let e as EngineError {
            XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
            XCTAssertEqual(e.tensor, tensor, "\(e)", file: file, line: line)
            if !tensor.isEmpty { XCTAssertTrue(e.description.contains(tensor), e.description, file: file, line: line) }
            XCTAssertTrue(e.description.contains("test.safetensors"), e.description, file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func open(_ d: Data) throws -> SafetensorsFile { try SafetensorsFile(data: d, name: "test.safetensors") }

    func testRoundTripF32AndF16() throws {
        let a = Tensor(shape: [2, 3], data: [1, -2.5, 3.25, 0, 1e-3, 65504])
        let b = Tensor(shape: [1], data: [0.1])
        let data = try SafetensorsWriter.encode(["b": b, "a": a], metadata: ["format": "pt"])
        XCTAssertEqual(Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) % 8, 0)  // padded header
        let f = try open(data)
        XCTAssertEqual(f.tensorNames, ["a", "b"])
        XCTAssertEqual(try f.tensor("a"), a)
        XCTAssertEqual(try f.tensor("b"), b)
        XCTAssertEqual(f.metadata["format"], "pt")
        XCTAssertEqual(f.entries["a"]?.begin, 0)  // name order, contiguous
        XCTAssertEqual(f.entries["b"]?.begin, 24)
        let h = try open(SafetensorsWriter.encode(["a": a], dtype: .f16))
        XCTAssertEqual(h.entries["a"]?.dtype, .f16)
        // values exactly representable in half survive; 1e-3 rounds to the nearest half
        let back = try h.tensor("a").data
        XCTAssertEqual([back[0], back[1], back[2], back[3], back[5]], [1, -2.5, 3.25, 0, 65504])
        XCTAssertEqual(back[4], 0.0010004, accuracy: 1e-7)
    }

    func testReadsHandWrittenF16AndBF16() throws {
        // F16 1.0 = 0x3C00, −2 = 0xC000; BF16 1.0 = 0x3F80, −0.5 = 0xBF00
        let header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}"#
        let f = try open(file(header: header, payload: [0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 0x00, 0xBF]))
        XCTAssertEqual(try f.tensor("h").data, [1, -2])
        XCTAssertEqual(try f.tensor("b").data, [1, -0.5])
    }

    func testHalfConversionsRoundTripEveryValue() {
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let f = HalfFloat.floatFromF16(h)
            if f.isNaN { continue }
            XCTAssertEqual(HalfFloat.f16FromFloat(f), h, "0x\(String(bits, radix: 16))")
        }
        XCTAssertEqual(HalfFloat.floatFromF16(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(HalfFloat.f16FromFloat(1e6), 0x7C00)           // overflow → +inf
        XCTAssertEqual(HalfFloat.f16FromFloat(1 + 1.0 / 2048), 0x3C00) // tie → even
        XCTAssertEqual(HalfFloat.f16FromFloat(1 + 3.0 / 2048), 0x3C02)
    }

    func testMissingTensor() throws {
        let f = try open(SafetensorsWriter.encode(["a": Tensor(shape: [1], data: [1])]))
        expectError(.missingTensor, tensor: "layer3.5.bn2.running_var") { _ = try f.tensor("layer3.5.bn2.running_var") }
        expectError(.missingTensor, tensor: "fc.bias") { _ = try f.shape("fc.bias") }
    }

    func testWrongShape() throws {
        let f = try open(SafetensorsWriter.encode(["fc.weight": Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])]))
        expectError(.wrongShape, tensor: "fc.weight") { _ = try f.tensor("fc.weight", shape: [1, 6]) }
    }

    func testWrongDType() throws {
        let header = #"{"num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}"#
        let f = try open(file(header: header, payload: [UInt8](repeating: 0, count: 8)))
        expectError(.wrongDType, tensor: "num_batches_tracked") { _ = try f.tensor("num_batches_tracked") }
    }

    func testTruncatedFiles() throws {
        let good = try SafetensorsWriter.encode(["w": Tensor(shape: [4], data: [1, 2, 3, 4])])
        expectError(.truncatedFile) { _ = try open(Data([1, 2, 3])) }                    // no length prefix
        expectError(.truncatedFile) { _ = try open(good.prefix(20)) }                      // header cut
        expectError(.truncatedFile, tensor: "w") { _ = try open(good.prefix(good.count - 1)) } // payload cut
    }

    func testCorruptHeaders() throws {
        let ok = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let payload = f32Bytes([1, 2])
        expectError(.corruptHeader) { _ = try open(file(header: ok, payload: payload, length: 0)) }           // bad length
        expectError(.corruptHeader) { _ = try open(file(header: ok, payload: payload, length: 1 << 40)) }     // absurd length
        expectError(.corruptHeader) { _ = try open(file(header: "{\"w\":{\"dtype\"", payload: payload)) }     // bad JSON
        expectError(.corruptHeader) { _ = try open(file(header: "[1,2,3]", payload: payload)) }              // not an object
        expectError(.corruptHeader, tensor: "w") {
            _ = try open(file(header: #"{"w":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}"#, payload: payload))
        }
        expectError(.corruptHeader, tensor: "w") {  // offsets disagree with the shape
            _ = try open(file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, payload: payload))
        }
        expectError(.corruptHeader, tensor: "w") {  // reversed offsets
            _ = try open(file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, payload: payload))
        }
        expectError(.corruptHeader, tensor: "w") {  // negative dimension
            _ = try open(file(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, payload: payload))
        }
        expectError(.truncatedFile, tensor: "w") {  // offsets out of range of the payload
            _ = try open(file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, payload: payload))
        }
        expectError(.corruptHeader, tensor: "v") {  // overlapping tensors
            let h = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
            _ = try open(file(header: h, payload: payload))
        }
        expectError(.corruptHeader, tensor: "w") {  // entry without offsets
            _ = try open(file(header: #"{"w":{"dtype":"F32","shape":[2]}}"#, payload: payload))
        }
    }

    func testMissingFileIsIOError() {
        XCTAssertThrowsError(try SafetensorsFile(path: "/nonexistent/x.safetensors")) { e in
            XCTAssertEqual((e as? EngineError)?.kind, .io)
            XCTAssertTrue("\(e)".contains("/nonexistent/x.safetensors"))
        }
    }

    /// The committed fixture model opens and matches the README's size.
    func testFixtureModelHeader() throws {
        let path = try SharedFolder.existing("fixtures/resnet50-gradcam/model.safetensors").path
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.entries.count, 267)
        XCTAssertEqual(f.entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) }, 381_049)
        XCTAssertEqual(try f.shape("fc.weight"), [1, 256])
    }
}
