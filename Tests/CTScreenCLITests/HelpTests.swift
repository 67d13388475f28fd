import XCTest
@testable import CTScreenCLI

final class HelpTests: XCTestCase {
    func testRootHelpSaysResearchSoftware() {
        let help = CTScreen.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(help.contains("not a medical device"), help)
        XCTAssertTrue(help.contains("inspect"), help)
    }
}
