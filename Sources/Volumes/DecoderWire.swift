import Foundation

/// What the decoder child is asked (JSON on its stdin) and how it answers (one frame on its
/// stdout). Both ends are in this module; the format is private to one build of ctscreen
/// (parent and child are the same executable), so it has a version but no compatibility.
///
/// Frame, all integers little endian (the byte-order mark is checked):
///
///     offset  size  field
///     0       8     magic "CTSDEC01" (format version 1)
///     8       1     kind: "V" volume, "S" folder scan, "E" error
///     9       2     byte-order mark 0x0102
///     11      4     JSON length J (at most `maxJSON`)
///     15      J     JSON: VolumeHead (V), DICOMFolderScan (S) or VolumeError (E)
///     15+J    8     payload length P: V: size.count × 2 (Int16 HU voxels, axis order of
///                   `Volume`); S, E: 0
///     23+J    P     payload
///     23+J+P  8     trailer "CTSDEND."
///
/// and nothing after it. No checksum: a pipe does not flip bits, and a child whose heap is
/// corrupt would checksum its corrupt data. What the frame guards against is a child that
/// died mid-write (truncation), wrote something else to stdout, or disagrees about lengths.
enum DecoderWire {
    static let magic = Array("CTSDEC01".utf8)
    static let trailer = Array("CTSDEND.".utf8)
    static let byteOrderMark: UInt16 = 0x0102
    static let maxJSON = 256 << 20
    /// 2^31 voxels (4 GiB of Int16): far beyond any CT series, small enough to allocate-check.
    static let maxVoxels = 1 << 31
    static let headLength = 15

    enum Kind: UInt8 {
        case volume = 86  // "V"
        case scan = 83    // "S"
        case error = 69   // "E"
    }

    /// What the child is asked to do.
    struct Request: Codable {
        enum Operation: String, Codable { case scan, readFolder, readSeries, fileHeader, readFile }
        var operation: Operation
        /// scan, readFolder: the folder; fileHeader, readFile: the file.
        var folder: String?
        /// readFolder: the series to pick (nil: automatic).
        var seriesInstanceUID: String?
        /// readSeries: a series scanned before.
        var series: DICOMSeries?
        var rules: SeriesRules?
        /// scan: files to leave out (the child died on them in an earlier attempt).
        var skip: [String]?
    }

    /// Everything of a Volume but its voxels.
    struct VolumeHead: Codable {
        var size: VolumeSize
        var geometry: Geometry
        var metadata: StudyMetadata
    }

    /// The decoded answer.
    enum Answer {
        case volume(Volume)
        case scan(DICOMFolderScan)
        case error(VolumeError)
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Head of a frame: magic, kind, byte-order mark and the JSON (everything before the payload length).
    static func head(_ kind: Kind, json: Data) -> [UInt8] {
        var out = magic
        out.append(kind.rawValue)
        withUnsafeBytes(of: byteOrderMark.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        return out
    }

    static func lengthField(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) } }

    /// The whole frame of a scan or an error (small; the volume is written in parts by the child).
    static func frame(_ answer: Answer) throws -> [UInt8] {
        switch answer {
        case .scan(let scan): return head(.scan, json: try encoder().encode(scan)) + lengthField(0) + trailer
        case .error(let error): return head(.error, json: try encoder().encode(error)) + lengthField(0) + trailer
        case .volume(let v):
            let json = try encoder().encode(VolumeHead(size: v.size, geometry: v.geometry, metadata: v.metadata))
            var out = head(.volume, json: json) + lengthField(v.voxels.count * 2)
            v.voxels.withUnsafeBytes { out.append(contentsOf: $0) }
            return out + trailer
        }
    }

    /// Malformed output, in words for the error message.
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads a frame from chunks as they arrive; voxels are copied straight into their final
    /// array, so the parent holds the volume once.
    struct Reader {
        private enum Phase { case head, json, payloadLength, payload, trailer, done }
        private var phase = Phase.head
        private var buffer: [UInt8] = []
        private var need = DecoderWire.headLength
        private var kind = Kind.error
        private var json = Data()
        private var volumeHead: VolumeHead?
        private var voxels: [Int16] = []
        private var payloadFilled = 0
        private(set) var received = 0

        var isComplete: Bool { phase == .done }

        mutating func consume(_ bytes: UnsafeRawBufferPointer) throws {
            var rest = bytes[...]
            received += bytes.count
            while !rest.isEmpty {
                if phase == .done { throw Malformed(description: "\(rest.count) bytes after the end of the frame") }
                if phase == .payload {
                    let take = min(rest.count, voxels.count * 2 - payloadFilled)
                    let source = UnsafeRawBufferPointer(rebasing: rest.prefix(take))
                    voxels.withUnsafeMutableBytes { target in
                        (target.baseAddress! + payloadFilled).copyMemory(from: source.baseAddress!, byteCount: take)
                    }
                    payloadFilled += take
                    rest = rest.dropFirst(take)
                    if payloadFilled == voxels.count * 2 { phase = .trailer; need = 8 }
                    continue
                }
                let take = min(rest.count, need - buffer.count)
                buffer.append(contentsOf: rest.prefix(take))
                rest = rest.dropFirst(take)
                if buffer.count == need { try advance() }
            }
        }

        private mutating func advance() throws {
            let bytes = buffer
            buffer = []
            switch phase {
            case .head:
                guard Array(bytes[0..<8]) == magic else {
                    throw Malformed(description: "no frame magic at the start (got \(printable(bytes[0..<8])))")
                }
                guard let k = Kind(rawValue: bytes[8]) else { throw Malformed(description: "unknown frame kind \(bytes[8])") }
                kind = k
                let mark = UInt16(bytes[9]) | UInt16(bytes[10]) << 8
                guard mark == byteOrderMark else { throw Malformed(description: "byte-order mark \(mark)") }
                let length = Int(UInt32(bytes[11]) | UInt32(bytes[12]) << 8 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 24)
                guard length > 0, length <= maxJSON else { throw Malformed(description: "JSON length \(length)") }
                phase = .json
                need = length
            case .json:
                json = Data(bytes)
                if kind == .volume {
                    do { volumeHead = try decoder().decode(VolumeHead.self, from: json) } catch {
                        throw Malformed(description: "volume description does not decode: \(error)")
                    }
                }
                phase = .payloadLength
                need = 8
            case .payloadLength:
                var length = 0
                for (i, b) in bytes.enumerated() { length |= Int(b) << (8 * i) }
                if let head = volumeHead {
                    let size = head.size
                    guard size.columns > 0, size.rows > 0, size.slices > 0,
                          size.columns <= 65535, size.rows <= 65535, size.slices <= maxVoxels,
                          size.count <= maxVoxels, length == size.count * 2 else {
                        throw Malformed(description: "payload of \(length) bytes for a \(size.columns)x\(size.rows)x\(size.slices) volume")
                    }
                    voxels = [Int16](repeating: 0, count: size.count)
                    payloadFilled = 0
                    phase = .payload
                } else {
                    guard length == 0 else { throw Malformed(description: "payload of \(length) bytes after a \(kind) frame") }
                    phase = .trailer
                    need = 8
                }
            case .trailer:
                guard bytes == trailer else { throw Malformed(description: "no frame trailer (got \(printable(bytes[...])))") }
                phase = .done
            case .payload, .done:
                break
            }
        }

        /// The answer, once the frame is complete.
        mutating func answer() throws -> Answer {
            guard phase == .done else {
                throw Malformed(description: "output ends after \(received) bytes, inside the frame")
            }
            switch kind {
            case .volume:
                let head = volumeHead!
                let v = voxels
                voxels = []
                return .volume(Volume(size: head.size, geometry: head.geometry, metadata: head.metadata, voxels: v))
            case .scan:
                do { return .scan(try decoder().decode(DICOMFolderScan.self, from: json)) } catch {
                    throw Malformed(description: "folder scan does not decode: \(error)")
                }
            case .error:
                do { return .error(try decoder().decode(VolumeError.self, from: json)) } catch {
                    throw Malformed(description: "error does not decode: \(error)")
                }
            }
        }

        private func printable(_ bytes: ArraySlice<UInt8>) -> String {
            "\"" + String(bytes.map { (32..<127).contains($0) ? Character(UnicodeScalar($0)) : "." }) + "\""
        }
    }
}
