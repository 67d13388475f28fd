import Foundation

/// The one error type of the Volumes module: what went wrong, where (a file, folder or
/// series) and why, in words a user can act on.
public struct VolumeError: Error, Equatable, Codable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        case notFound, emptyFolder, notDICOM, unreadable, notCT, tooFewSlices
        case duplicatePositions, missingGeometry, unevenSpacing, inconsistentGeometry
        case inconsistentSize, unsupportedImage, noSuchSeries, noValidSeries
        case niftiError, writeFailed
        /// The decoder child (see `DICOMDecoder`) died of a signal or exited without an answer.
        case decoderCrashed
        /// The decoder child did not answer within its time limit and was killed.
        case decoderTimedOut
        /// The decoder child answered with something that is not a well-formed frame.
        case decoderMalformedOutput
        /// The decoder child could not be started.
        case decoderUnavailable
    }

    public var kind: Kind
    /// The file, folder or series the error is about.
    public var subject: String
    /// Why, in one sentence.
    public var reason: String
    /// Decoder child failures only: the file the child was reading when it died or hung
    /// (the subject is then the folder or study being read).
    public var file: String?

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
