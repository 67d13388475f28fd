import Foundation
import XCTest

/// Locates the shared data folder and makes throw-away folders.
enum TestData {
    static var shared: URL {
        if let path = ProcessInfo.processInfo.environment["CTSCREEN_SHARED"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // Tests/DatasetsTests/TestData.swift → repo root is three levels up.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared")
    }

    static func data(_ relative: String) throws -> URL {
        let url = shared.appendingPathComponent("data").appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("test data missing: \(url.path) (set CTSCREEN_SHARED)")
        }
        return url
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ctscreen-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
