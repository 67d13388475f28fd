import CTScreenTestSupport
import Foundation
import XCTest
@testable import Clustering

/// The `.npy` files clustering reads and writes are NumPy's own: files saved by `numpy.save`
/// (`Fixtures/reference-*.npy`, made by `Scripts/cluster-fixtures.py`) are read with their
/// values, and the writer reproduces them byte for byte; damaged files are refused by name.
final class NPYFileTests: XCTestCase {
    private func fixture(_ name: String) -> URL {
        SharedFolder.repositoryRoot.appendingPathComponent("Tests/ClusteringTests/Fixtures/\(name)")
    }

    func testReadsAndWritesWhatNumPyWrites() throws {
        let f16 = try NPYFile.read(fixture("reference-f16.npy"))
        XCTAssertEqual(f16.shape, [3, 4])
        XCTAssertEqual(f16.dtype, .float16)
        XCTAssertEqual(f16.floats(), [0, 1, -2.5, 65504, 0.333251953125, -0, Float(Float16(1e-4)), 7, 3.5, -1, 0.5, 2048])
        XCTAssertEqual(try NPYFile.encode(.float16(f16.floats(), shape: [3, 4])), Array(try Data(contentsOf: fixture("reference-f16.npy"))))
        let u8 = try NPYFile.read(fixture("reference-u8.npy"))
        XCTAssertEqual(u8.shape, [2, 3])
        XCTAssertEqual(u8.bytes, [0, 50, 100, 150, 200, 250])
        XCTAssertEqual(try NPYFile.encode(.uint8(u8.bytes, shape: [2, 3])), Array(try Data(contentsOf: fixture("reference-u8.npy"))))
    }

    func testDamagedFilesAreRefusedByName() throws {
        let good = try NPYFile.encode(.uint8([1, 2, 3, 4, 5, 6], shape: [2, 3]))
        for (bytes, why) in [(Array(good.dropLast()), "data bytes"), (Array("not numpy".utf8), "not a .npy"),
                             (Array(good.prefix(20)), "truncated header")] {
            XCTAssertThrowsError(try NPYFile.decode(bytes, what: "s/features.npy")) { error in
                XCTAssertTrue("\(error)".contains("s/features.npy"), "\(error)")
                XCTAssertTrue("\(error)".contains(why), "\(error)")
            }
        }
        let text = String(decoding: good, as: UTF8.self).replacingOccurrences(of: "(2, 3)", with: "(9999999999, 9999999999)")
        XCTAssertThrowsError(try NPYFile.decode(Array(text.utf8), what: "x"), "a huge shape is refused, not allocated")
        XCTAssertThrowsError(try NPYFile.encode(NPYFile.Array(shape: [2, 2], dtype: .float32, bytes: [1, 2])))
    }
}
