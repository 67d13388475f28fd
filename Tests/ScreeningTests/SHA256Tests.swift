import Foundation
import XCTest
@testable import Screening

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 example vectors, plus lengths around the 56-byte padding boundary checked
    /// against Python's hashlib.
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hexDigest(of: Data()),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest(of: Data("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hexDigest(of: Data(repeating: 0x61, count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testFileDigestMatchesDataDigestAcrossChunks() throws {
        let folder = try TestSupport.temporaryFolder("sha")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = Data((0..<(3 * (1 << 20) + 77)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let url = folder.appendingPathComponent("blob")
        try data.write(to: url)
        XCTAssertEqual(try SHA256.hexDigest(ofFile: url.path), SHA256.hexDigest(of: data))
    }
}
