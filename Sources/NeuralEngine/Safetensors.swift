import Foundation

/// Element types a safetensors header may name. Only F32, F16 and BF16 can be read as
/// floats; the others are recognised so a valid file with e.g. int64 counters still opens.
public enum SafetensorsDType: String, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }
}

/// A safetensors file opened for reading: 8-byte little-endian header length, JSON header,
/// raw little-endian payload. The header is validated completely on open (lengths, JSON,
/// dtypes, shapes, offsets inside the payload and not overlapping), so later reads cannot
/// go out of bounds. The file is memory-mapped; tensors are copied out as Float32.
public struct SafetensorsFile {
    public struct Entry: Equatable, Sendable {
        public let dtype: SafetensorsDType
        public let shape: [Int]
        /// Byte range inside the payload.
        public let begin: Int, end: Int
    }

    /// Name shown in errors (the path, or a caller-given label for in-memory data).
    public let name: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let bytes: Data
    private let payloadStart: Int

    /// Refuses headers above this size: a corrupt length must not make us allocate gigabytes.
    static let maxHeaderBytes = 100 << 20

    public init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw EngineError(.io, file: path, "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, name: path)
    }

    public init(data: Data, name: String) throws {
        self.name = name
        self.bytes = data
        let total = data.count
        guard total >= 8 else {
            throw EngineError(.truncatedFile, file: name, "\(total) bytes, shorter than the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { raw -> UInt64 in
            UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        }
        guard headerLength >= 2, headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw EngineError(.corruptHeader, file: name, "bad header length \(headerLength)")
        }
        let hl = Int(headerLength)
        guard 8 + hl <= total else {
            throw EngineError(.truncatedFile, file: name,
                              "header length \(hl) runs past the end of the \(total)-byte file")
        }
        payloadStart = 8 + hl
        let payloadSize = total - payloadStart
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + hl)))
        } catch {
            throw EngineError(.corruptHeader, file: name, "header is not valid JSON")
        }
        guard let dict = json as? [String: Any] else {
            throw EngineError(.corruptHeader, file: name, "header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in dict {
            if key == "__metadata__" {
                guard let m = value as? [String: Any] else {
                    throw EngineError(.corruptHeader, file: name, "__metadata__ is not an object")
                }
                for (k, v) in m { metadata[k] = (v as? String) ?? "\(v)" }
                continue
            }
            entries[key] = try Self.parseEntry(key, value, payloadSize: payloadSize, file: name)
        }
        try Self.checkOverlap(entries, file: name)
        self.entries = entries
        self.metadata = metadata
    }

    private static func parseEntry(_ key: String, _ value: Any, payloadSize: Int, file: String) throws -> Entry {
        func corrupt(_ why: String) -> EngineError { EngineError(.corruptHeader, file: file, tensor: key, why) }
        guard let e = value as? [String: Any] else { throw corrupt("entry is not an object") }
        guard let dt = e["dtype"] as? String else { throw corrupt("no dtype") }
        guard let dtype = SafetensorsDType(rawValue: dt) else { throw corrupt("unknown dtype \(dt)") }
        guard let shapeAny = e["shape"] as? [Any] else { throw corrupt("no shape") }
        let shape = try shapeAny.map { d -> Int in
            guard let n = d as? Int, n >= 0, n < 1 << 48 else { throw corrupt("bad shape \(shapeAny)") }
            return n
        }
        guard let offs = e["data_offsets"] as? [Any], offs.count == 2,
              let b = (offs[0] as? Int).map(Int64.init), let en = (offs[1] as? Int).map(Int64.init),
              b >= 0, en >= b else { throw corrupt("bad data_offsets") }
        guard let count = elementCount(shape) else { throw corrupt("shape \(shape) overflows") }
        let (bytes, o) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !o, Int64(bytes) == en - b else {
            throw corrupt("data_offsets [\(b), \(en)] hold \(en - b) bytes, shape \(shape) of \(dt) needs \(bytes)")
        }
        guard en <= Int64(payloadSize) else {
            throw EngineError(.truncatedFile, file: file, tensor: key,
                              "data ends at byte \(en) of a \(payloadSize)-byte payload")
        }
        return Entry(dtype: dtype, shape: shape, begin: Int(b), end: Int(en))
    }

    private static func checkOverlap(_ entries: [String: Entry], file: String) throws {
        let sorted = entries.filter { $0.value.end > $0.value.begin }.sorted { $0.value.begin < $1.value.begin }
        for i in sorted.indices.dropFirst() where sorted[i].value.begin < sorted[i - 1].value.end {
            throw EngineError(.corruptHeader, file: file, tensor: sorted[i].key,
                              "data overlaps tensor '\(sorted[i - 1].key)'")
        }
    }

    public var tensorNames: [String] { entries.keys.sorted() }

    public func contains(_ tensor: String) -> Bool { entries[tensor] != nil }

    /// Reads a tensor as Float32 (F32, F16 and BF16 are accepted).
    public func tensor(_ tensorName: String) throws -> Tensor {
        guard let e = entries[tensorName] else {
            throw EngineError(.missingTensor, file: name, tensor: tensorName, "not in the file")
        }
        let count = e.shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        let start = payloadStart + e.begin
        try bytes.withUnsafeBytes { raw in
            switch e.dtype {
            case .f32:
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                }
            case .f16:
                for i in 0..<count {
                    out[i] = HalfFloat.floatFromF16(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self)))
                }
            case .bf16:
                for i in 0..<count {
                    out[i] = HalfFloat.floatFromBF16(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self)))
                }
            default:
                throw EngineError(.wrongDType, file: name, tensor: tensorName,
                                  "dtype \(e.dtype.rawValue), expected F32, F16 or BF16")
            }
        }
        return Tensor(shape: e.shape, data: out)
    }

    /// Reads a tensor and checks its shape.
    public func tensor(_ tensorName: String, shape expected: [Int]) throws -> Tensor {
        if let e = entries[tensorName], e.shape != expected {
            throw EngineError(.wrongShape, file: name, tensor: tensorName, "shape \(e.shape), expected \(expected)")
        }
        return try tensor(tensorName)
    }

    /// Shape of a tensor, or a missing-tensor error.
    public func shape(_ tensorName: String) throws -> [Int] {
        guard let e = entries[tensorName] else {
            throw EngineError(.missingTensor, file: name, tensor: tensorName, "not in the file")
        }
        return e.shape
    }
}
