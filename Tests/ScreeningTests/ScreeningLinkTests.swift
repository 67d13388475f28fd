import XCTest
@testable import Screening

final class ScreeningLinkTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
