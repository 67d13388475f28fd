import Foundation
import XCTest
import NeuralEngine

/// Locates the shared folder: $CTSCREEN_SHARED or <repo root>/../shared.
enum Fixtures {
    static var shared: URL {
        if let s = ProcessInfo.processInfo.environment["CTSCREEN_SHARED"], !s.isEmpty {
            return URL(fileURLWithPath: s)
        }
        // Tests/ModelsTests/Fixtures.swift → repo root is 3 levels up.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
    }

    static var gradCAMDir: URL { shared.appendingPathComponent("fixtures/resnet50-gradcam") }

    static func file(_ name: String) throws -> String {
        let path = gradCAMDir.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("fixture \(path) not found (set CTSCREEN_SHARED)")
        }
        return path
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }  // a size mismatch fails any tolerance
        var m: Float = 0
        for i in a.indices { m = max(m, abs(a[i] - b[i])) }
        return m
    }
}
