import Foundation

/// The compact binary framing of payload keys and batch results: floats travel as raw
/// little-endian Float32 (exact, 4 bytes each), never as JSON text.
///
///   magic (4 ASCII bytes) | version u8 | header length u32 LE | header (JSON, small)
///   | array count u32 LE | for each array: value count u32 LE, values Float32 LE
public enum BinaryPayload {
    public static let version: UInt8 = 1

    public static func encode<H: Encodable>(magic: String, header: H, arrays: [[Float]]) throws -> [UInt8] {
        let json = Array(try JSONEncoder().encode(header))
        var out: [UInt8] = []
        out.reserveCapacity(16 + json.count + arrays.reduce(0) { $0 + 4 + 4 * $1.count })
        out += Array(magic.utf8.prefix(4))
        out.append(version)
        append(UInt32(json.count), to: &out)
        out += json
        append(UInt32(arrays.count), to: &out)
        for array in arrays {
            append(UInt32(array.count), to: &out)
            array.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Decodes a payload; every length is checked against the bytes actually there.
    public static func decode<H: Decodable>(_ bytes: [UInt8], magic: String, as: H.Type, what: String) throws -> (H, [[Float]]) {
        var reader = Reader(bytes: bytes, what: what)
        guard Array(try reader.take(4)) == Array(magic.utf8) else { throw reader.failure("not a \(magic) payload") }
        guard try reader.take(1).first == version else { throw reader.failure("unsupported payload version") }
        let headerBytes = try reader.take(Int(try reader.u32()))
        let header: H
        do { header = try JSONDecoder().decode(H.self, from: Data(headerBytes)) } catch {
            throw reader.failure("header does not decode (\(error))")
        }
        let count = Int(try reader.u32())
        guard count <= bytes.count / 4 else { throw reader.failure("array count \(count) exceeds the payload") }
        var arrays: [[Float]] = []
        arrays.reserveCapacity(count)
        for _ in 0..<count {
            let n = Int(try reader.u32())
            let raw = try reader.take(4 * n)
            // Little-endian hosts only (x86-64, arm64): the bytes are the Float32 values.
            arrays.append([Float](unsafeUninitializedCapacity: n) { buffer, initialized in
                if n > 0 {
                    raw.withUnsafeBytes { src in
                        UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: src.baseAddress!, byteCount: 4 * n)
                    }
                }
                initialized = n
            })
        }
        guard reader.offset == bytes.count else { throw reader.failure("\(bytes.count - reader.offset) trailing bytes") }
        return (header, arrays)
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
