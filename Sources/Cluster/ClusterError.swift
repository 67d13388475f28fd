/// The one error type of the Cluster module. Environmental failures (Redis unreachable, a
/// bad URL, a malformed message) are thrown as this; programming errors trap.
public struct ClusterError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Code: String, Sendable {
        /// A Redis URL could not be parsed.
        case invalidURL
        /// Connecting to Redis failed (refused, timed out, name did not resolve).
        case connectionFailed
        /// The connection dropped while a command was in flight.
        case connectionLost
        /// Redis answered a command with an error reply (including AUTH failures).
        case serverError
        /// Redis refused a write because it is over `maxmemory` (an OOM reply): back-pressure,
        /// not a failure of the item — wait and retry.
        case outOfMemory
        /// Redis refused a command for this process's ACL user (NOPERM): a configuration
        /// error of the process, not of the item it holds.
        case permissionDenied
        /// A reply did not have the shape the caller expected.
        case unexpectedReply
        /// A queue message was rejected (bad JSON, unknown version, oversized, missing payload).
        case rejectedMessage
        /// A study state transition that the state machine forbids.
        case invalidTransition
        /// The process is stopping; a blocking wait or reconnect loop gave up.
        case stopped
        /// A socket or thread of the metrics endpoint could not be set up.
        case metricsEndpoint
        /// An argument (prefix, process id, study id, TTL) was out of range.
        case invalidArgument
        /// A payload key or batch result could not be decoded (truncated, wrong format).
        case badPayload
        /// A study id that already names another series (or would name two): refused, never merged.
        case studyIDClash
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
