/// Why a clustering step could not run; the message names the input and the reason.
public struct ClusteringError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
