import XCTest
@testable import Segmentation

final class SegmentationLinkTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
