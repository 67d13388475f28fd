import CTScreenTestSupport
import Foundation
import XCTest

/// Locates the shared data folder and makes throw-away folders.
enum TestData {
    static var shared: URL { SharedFolder.url }
    static func data(_ relative: String) throws -> URL { try SharedFolder.existing("data/" + relative) }
    static func temporaryFolder() throws -> URL { try SharedFolder.temporaryFolder("datasets") }
}
