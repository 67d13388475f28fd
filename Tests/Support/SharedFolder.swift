import Foundation
import XCTest

/// Where tests find the project's shared material (`$CTSCREEN_SHARED`, else the `shared`
/// folder beside the repository) and the repository itself. A missing file is an XCTSkip
/// that names it, so a checkout without the data still runs the rest.
public enum SharedFolder {
    /// Tests/Support/SharedFolder.swift → the repository root is three levels up.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var url: URL {
        if let path = ProcessInfo.processInfo.environment["CTSCREEN_SHARED"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// `relative` below the shared folder, or an XCTSkip naming the missing path.
    public static func existing(_ relative: String) throws -> URL {
        let target = url.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: target.path) else {
            throw XCTSkip("test data missing: \(target.path) (set CTSCREEN_SHARED)")
        }
        return target
    }

    /// The built `ctscreen` executable: `$CTSCREEN_BINARY`, else `.build/debug/ctscreen`
    /// (what `swift build` makes), else `.build/release/ctscreen`; an XCTSkip naming them when none exists.
    public static func builtBinary() throws -> URL {
        var candidates = [".build/debug/ctscreen", ".build/release/ctscreen"].map { repositoryRoot.appendingPathComponent($0) }
        if let path = ProcessInfo.processInfo.environment["CTSCREEN_BINARY"], !path.isEmpty {
            candidates.insert(URL(fileURLWithPath: path), at: 0)
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("no built ctscreen (\(candidates.map(\.path).joined(separator: ", "))): run swift build first")
        }
        return found
    }

    /// A new empty folder under the system's temporary directory.
    public static func temporaryFolder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes `text` to `folder/name`; returns the path.
    @discardableResult
    public static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
