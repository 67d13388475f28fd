import XCTest
import COpenBLAS
@testable import NeuralEngine

final class BLASLinkTests: XCTestCase {
    /// A 2×2 product computed by hand: the OpenBLAS system target links and runs.
    func testSgemmSmallProduct() {
        let a: [Float] = [1, 2, 3, 4]  // [2, 2] row-major
        let b: [Float] = [5, 6, 7, 8]  // [2, 2]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
    }
}
