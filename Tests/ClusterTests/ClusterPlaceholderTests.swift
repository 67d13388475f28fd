import XCTest
import CHiredis

final class HiredisLinkTests: XCTestCase {
    /// Connecting to a closed port gives an error context, not a crash: hiredis links.
    func testConnectToClosedPortReportsError() {
        guard let ctx = redisConnect("127.0.0.1", 1) else { return XCTFail("no context") }
        defer { redisFree(ctx) }
        XCTAssertNotEqual(ctx.pointee.err, 0)
    }
}
