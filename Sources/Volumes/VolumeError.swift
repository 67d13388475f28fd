import Foundation

/// The one error type of the Volumes module: what went wrong, where (a file, folder or
/// series) and why, in words a user can act on.
public struct VolumeError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        case notFound, emptyFolder, notDICOM, unreadable, notCT, tooFewSlices
        case duplicatePositions, missingGeometry, unevenSpacing, inconsistentGeometry
        case inconsistentSize, unsupportedImage, noSuchSeries, noValidSeries
        case niftiError, writeFailed
    }

    public var kind: Kind
    /// The file, folder or series the error is about.
    public var subject: String
    /// Why, in one sentence.
    public var reason: String

    public init(_ kind: Kind, _ subject: String, _ reason: String) {
        self.kind = kind
        self.subject = subject
        self.reason = reason
    }

    public var description: String { "\(subject): \(reason)" }
}


// Lets `localizedDescription` show the message.

extension VolumeError: LocalizedError {
    public var errorDescription: String? { description }
}
