import Foundation
import Preparation
internal import Crypto

/// SHA-256 of a file or bytes as lowercase hex, for checking the shipped model's digest and
/// for content-derived study ids. The hashing is swift-crypto's (`Crypto.SHA256`: CryptoKit
/// on Apple systems, BoringSSL elsewhere); this type only streams files into it and spells
/// the digest. Files are read in 1 MiB chunks, never whole.
public struct SHA256 {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update(_ data: Data) {
        hasher.update(data: data)
    }

    /// The hex digest of everything passed to `update` (the hasher is not reset).
    public func finalize() -> String {
        Self.hex(hasher.finalize())
    }

    /// Hex digest of a whole file.
    public static func hexDigest(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ScreeningError.inconsistentInput("\(path): cannot open for hashing")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.finalize()
    }

    public static func hexDigest(of data: Data) -> String {
        hex(Crypto.SHA256.hash(data: data))
    }

    private static func hex(_ digest: Crypto.SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(2 * Crypto.SHA256.Digest.byteCount)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
