import XCTest
@testable import Models

final class ModelsLinkTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
