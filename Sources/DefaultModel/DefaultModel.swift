import Foundation

/// The slice classifier that ships inside CTScreen (a resource of this module), used when
/// no weights are given. Its card, MODEL_CARD.md, sits beside the file in this folder.
///
/// SwiftPM copies the file into the resource bundle `CTScreen_DefaultModel.resources` next
/// to the executable. The bundle is looked up by hand rather than through `Bundle.module`,
/// whose accessor stops the process when the bundle is missing; here a missing bundle is
/// an error the caller reports.
public enum DefaultModel {
    public static let fileName = "ctscreen-default-v5.safetensors"
    /// SHA-256 of the shipped file; loading checks it, so a damaged or swapped file is caught.
    public static let sha256 = "41f3b734e63ce312c09a5b95d3f2f105132b6aab8b7d23e37f1524e11defa501"
    public static let bundleName = "CTScreen_DefaultModel.resources"

    /// Where the file is looked for, in order: the bundle beside the executable (SwiftPM's
    /// layout, also the install layout), then `../share/ctscreen/` from the executable's folder.
    public static func candidatePaths(executableFolder: URL = Bundle.main.bundleURL) -> [String] {
        [executableFolder.appendingPathComponent(bundleName).appendingPathComponent(fileName).path,
         executableFolder.deletingLastPathComponent().appendingPathComponent("share/ctscreen").appendingPathComponent(fileName).path]
    }

    /// The first candidate that exists, or nil.
    public static func locate(executableFolder: URL = Bundle.main.bundleURL) -> String? {
        candidatePaths(executableFolder: executableFolder).first { FileManager.default.isReadableFile(atPath: $0) }
    }
}
