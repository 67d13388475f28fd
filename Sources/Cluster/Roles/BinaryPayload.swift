import Foundation

/// The compact binary framing of payload keys and batch results: floats travel as binary,
/// never as JSON text, each array in the narrowest storage that keeps what it carries.
///
///   magic (4 ASCII bytes) | version u8 | header length u32 LE | header (JSON, small)
///   | array count u32 LE | for each array: value count u32 LE, storage u8 (version 2), values
///
/// Storage: 0 Float32 LE (exact); 1 unsigned 16-bit fixed point of [0, 1] (error ≤ 7.7e-6;
/// windowed pixels and Grad-CAM maps); 2 Float16 LE (relative error ≤ 4.9e-4; pooled
/// features); 3 bytes (opaque blobs, e.g. PNG-compressed pictures; the count is in bytes),
/// after the float arrays. Version 1 (Float32 only, no storage byte) is still read.
public enum BinaryPayload {
    public static let version: UInt8 = 2

    public enum Storage: UInt8, Sendable {
        case float32 = 0, unitInterval16 = 1, float16 = 2, bytes = 3

        var bytesPerValue: Int {
            switch self {
            case .float32: return 4
            case .unitInterval16, .float16: return 2
            case .bytes: return 1
            }
        }

        /// Fixed point when every value lies in [0, 1] (the values are then kept to within
        /// 7.7e-6), else Float32, so a value outside the interval is never clipped.
        public static func unitIntervalIfPossible(_ values: [Float]) -> Storage {
            values.allSatisfy { $0 >= 0 && $0 <= 1 } ? .unitInterval16 : .float32
        }

        /// Float16 when every value is within its range, else Float32 (never infinities).
        public static func float16IfInRange(_ values: [Float]) -> Storage {
            values.allSatisfy { abs($0) <= 65504 } ? .float16 : .float32
        }
    }

    /// Encodes `arrays`, array i in `storage(i, array)` (default: Float32 for all), then `blobs`.
    public static func encode<H: Encodable>(magic: String, header: H, arrays: [[Float]],
                                            storage: (Int, [Float]) -> Storage = { _, _ in .float32 },
                                            blobs: [[UInt8]] = []) throws -> [UInt8] {
        let json = Array(try JSONEncoder().encode(header))
        let kinds = arrays.enumerated().map { storage($0.offset, $0.element) }
        precondition(!kinds.contains(.bytes), "float arrays are not stored as bytes")
        var out: [UInt8] = []
        out.reserveCapacity(16 + json.count + zip(arrays, kinds).reduce(0) { $0 + 5 + $1.1.bytesPerValue * $1.0.count }
                            + blobs.reduce(0) { $0 + 5 + $1.count })
        out += Array(magic.utf8.prefix(4))
        out.append(version)
        append(UInt32(json.count), to: &out)
        out += json
        append(UInt32(arrays.count + blobs.count), to: &out)
        for (array, kind) in zip(arrays, kinds) {
            append(UInt32(array.count), to: &out)
            out.append(kind.rawValue)
            switch kind {
            case .float32: array.withUnsafeBytes { out.append(contentsOf: $0) }
            case .unitInterval16:
                for v in array { append16(UInt16((v * 65535).rounded()), to: &out) }
            case .float16:
                for v in array { append16(Float16(v).bitPattern, to: &out) }
            case .bytes: break
            }
        }
        for blob in blobs {
            append(UInt32(blob.count), to: &out)
            out.append(Storage.bytes.rawValue)
            out += blob
        }
        return out
    }

    /// Decodes a payload without blobs; every length is checked against the bytes actually there.
    public static func decode<H: Decodable>(_ bytes: [UInt8], magic: String, as: H.Type, what: String) throws -> (H, [[Float]]) {
        let (header, arrays, blobs) = try decodeWithBlobs(bytes, magic: magic, as: H.self, what: what)
        guard blobs.isEmpty else { throw ClusterError(.badPayload, "\(what): \(blobs.count) unexpected byte blobs") }
        return (header, arrays)
    }

    /// Decodes a payload: its header, float arrays and byte blobs (blobs come last).
    public static func decodeWithBlobs<H: Decodable>(_ bytes: [UInt8], magic: String, as: H.Type,
                                                     what: String) throws -> (H, [[Float]], [[UInt8]]) {
        var reader = Reader(bytes: bytes, what: what)
        guard Array(try reader.take(4)) == Array(magic.utf8) else { throw reader.failure("not a \(magic) payload") }
        guard let format = try reader.take(1).first, format == 1 || format == version else {
            throw reader.failure("unsupported payload version")
        }
        let headerBytes = try reader.take(Int(try reader.u32()))
        let header: H
        do { header = try JSONDecoder().decode(H.self, from: Data(headerBytes)) } catch {
            throw reader.failure("header does not decode (\(error))")
        }
        let count = Int(try reader.u32())
        guard count <= bytes.count / 4 else { throw reader.failure("array count \(count) exceeds the payload") }
        var arrays: [[Float]] = []
        var blobs: [[UInt8]] = []
        arrays.reserveCapacity(count)
        for _ in 0..<count {
            let n = Int(try reader.u32())
            var kind = Storage.float32
            if format >= 2 {
                let code = try reader.take(1).first!
                guard let k = Storage(rawValue: code) else { throw reader.failure("unknown array storage \(code)") }
                kind = k
            }
            guard n <= bytes.count else { throw reader.failure("array of \(n) values exceeds the payload") }
            let raw = try reader.take(kind.bytesPerValue * n)
            if kind == .bytes {
                blobs.append(Array(raw))
            } else {
                guard blobs.isEmpty else { throw reader.failure("a float array after byte blobs") }
                arrays.append(values(raw, count: n, kind))
            }
        }
        guard reader.offset == bytes.count else { throw reader.failure("\(bytes.count - reader.offset) trailing bytes") }
        return (header, arrays, blobs)
    }

    private static func values(_ raw: ArraySlice<UInt8>, count n: Int, _ kind: Storage) -> [Float] {
        let s = raw.startIndex
        func u16(_ i: Int) -> UInt16 { UInt16(raw[s + 2 * i]) | UInt16(raw[s + 2 * i + 1]) << 8 }
        switch kind {
        case .float32:
            // Little-endian hosts only (x86-64, arm64): the bytes are the Float32 values.
            return [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
                if n > 0 {
                    raw.withUnsafeBytes { src in
                        UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: src.baseAddress!, byteCount: 4 * n)
                    }
                }
                initialized = n
            }
        case .unitInterval16: return (0..<n).map { Float(u16($0)) / 65535 }
        case .float16: return (0..<n).map { Float(Float16(bitPattern: u16($0))) }
        case .bytes: preconditionFailure("byte blobs are not float arrays")
        }
    }

    private static func append16(_ v: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(v & 0xff)); out.append(UInt8(v >> 8))
    }

    private static func append(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(v & 0xff)); out.append(UInt8(v >> 8 & 0xff))
        out.append(UInt8(v >> 16 & 0xff)); out.append(UInt8(v >> 24 & 0xff))
    }

    private struct Reader {
        let bytes: [UInt8]
        let what: String
        var offset = 0

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, n <= bytes.count - offset else { throw failure("truncated at byte \(offset)") }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }

        mutating func u32() throws -> UInt32 {
            let b = try take(4)
            let s = b.startIndex
            return UInt32(b[s]) | UInt32(b[s + 1]) << 8 | UInt32(b[s + 2]) << 16 | UInt32(b[s + 3]) << 24
        }

        func failure(_ why: String) -> ClusterError {
            ClusterError(.badPayload, "\(what): \(why)")
        }
    }
}
