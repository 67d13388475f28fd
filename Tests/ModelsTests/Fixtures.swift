import CTScreenTestSupport
import Foundation
import XCTest
import NeuralEngine

/// The Grad-CAM fixtures in the shared folder, and comparisons.
enum Fixtures {
    static var shared: URL { SharedFolder.url }

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
