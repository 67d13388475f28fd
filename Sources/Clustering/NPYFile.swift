import Foundation

/// NumPy's `.npy` format (version 1.0, NEP 1) for the per-study arrays clustering reads:
/// little-endian Float16 (`<f2`), Float32 (`<f4`) or UInt8 (`|u1`), C order. Chosen so the
/// arrays open with `numpy.load` as they are.
public enum NPYFile {
    public enum DType: String, Sendable {
        case float16 = "<f2", float32 = "<f4", uint8 = "|u1"
        var size: Int { self == .float32 ? 4 : self == .float16 ? 2 : 1 }
    }

    /// An array as stored: its shape, element type and raw little-endian bytes.
    public struct Array: Equatable, Sendable {
        public var shape: [Int]
        public var dtype: DType
        public var bytes: [UInt8]

        public var count: Int { shape.reduce(1, *) }

        /// The values as Float (Float16 and UInt8 widened).
        public func floats() -> [Float] {
            switch dtype {
            case .uint8: return bytes.map(Float.init)
            case .float16:
                return (0..<count).map { i in
                    let bits = UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8
                    return Float(Float16(bitPattern: bits))
                }
            case .float32:
                return (0..<count).map { i in
                    var bits: UInt32 = 0
                    for b in 0..<4 { bits |= UInt32(bytes[4 * i + b]) << UInt32(8 * b) }
                    return Float(bitPattern: bits)
                }
            }
        }

        public static func float16(_ values: [Float], shape: [Int]) -> Array {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(2 * values.count)
            for v in values { let b = Float16(v).bitPattern; bytes.append(UInt8(b & 0xff)); bytes.append(UInt8(b >> 8)) }
            return Array(shape: shape, dtype: .float16, bytes: bytes)
        }

        public static func uint8(_ values: [UInt8], shape: [Int]) -> Array {
            Array(shape: shape, dtype: .uint8, bytes: values)
        }
    }

    public static func encode(_ array: Array) throws -> [UInt8] {
        guard array.bytes.count == array.count * array.dtype.size else {
            throw ClusteringError("\(array.bytes.count) bytes for shape \(array.shape) of \(array.dtype.rawValue)")
        }
        let shape = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(array.dtype.rawValue)', 'fortran_order': False, 'shape': \(shape), }"
        // Magic (6) + version (2) + length (2) + header + "\n": a multiple of 64 bytes.
        let padding = (64 - (10 + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var out: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8) + [1, 0]
        out.append(UInt8(header.utf8.count & 0xff))
        out.append(UInt8(header.utf8.count >> 8))
        out += header.utf8
        out += array.bytes
        return out
    }

    public static func write(_ array: Array, to url: URL) throws {
        do { try Data(try encode(array)).write(to: url, options: .atomic) } catch let error as ClusteringError {
            throw error
        } catch {
            throw ClusteringError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a version 1.0 file of one of the element types above; anything else is an error
    /// naming the file.
    public static func read(_ url: URL) throws -> Array {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ClusteringError("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try decode(Swift.Array(data), what: url.path)
    }

    public static func decode(_ bytes: [UInt8], what: String) throws -> Array {
        func fail(_ why: String) -> ClusteringError { ClusteringError("\(what): \(why)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Swift.Array(bytes[1..<6]) == Swift.Array("NUMPY".utf8) else {
            throw fail("not a .npy file")
        }
        guard bytes[6] == 1 else { throw fail("npy version \(bytes[6]).\(bytes[7]) (1.0 is read)") }
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        guard bytes.count >= 10 + length, let header = String(bytes: bytes[10..<(10 + length)], encoding: .ascii) else {
            throw fail("truncated header")
        }
        func field(_ key: String, until end: Character) -> Substring? {
            guard let start = header.range(of: "'\(key)': ") else { return nil }
            let rest = header[start.upperBound...]
            guard let stop = rest.firstIndex(of: end) else { return nil }
            return rest[...stop]
        }
        guard let descr = field("descr", until: ","), let dtype = DType(rawValue: descr.dropLast().trimmingCharacters(in: CharacterSet(charactersIn: "'"))) else {
            throw fail("unsupported element type (header \(header.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        guard field("fortran_order", until: ",")?.hasPrefix("False") == true else { throw fail("Fortran order is not read") }
        guard let shapeText = field("shape", until: ")") else { throw fail("no shape") }
        let shape = shapeText.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.compactMap { Int($0) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("bad shape \(shapeText)") }
        let array = Array(shape: shape, dtype: dtype, bytes: Swift.Array(bytes[(10 + length)...]))
        guard shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) <= bytes.count,
              array.bytes.count == array.count * dtype.size else {
            throw fail("\(array.bytes.count) data bytes for shape \(shape) of \(dtype.rawValue)")
        }
        return array
    }
}
