import Foundation

/// A record on the dead-letter list: what was refused, why, and where it came from.
public struct DeadLetter: Codable, Equatable, Sendable {
    public enum Cause: String, Codable, Sendable {
        case oversized, badJSON = "bad-json", unknownVersion = "unknown-version"
        case wrongKind = "wrong-kind", invalidField = "invalid-field", missingPayload = "missing-payload"
        /// Delivered `maxAttempts` times without success (handler errors or dead holders).
        case attemptsExhausted = "attempts-exhausted"
        /// The handler declared the item impossible to process (e.g. not a CT series).
        case permanentFailure = "permanent-failure"
    }

    public var version: Int
    public var cause: Cause
    public var reason: String
    public var queue: QueueName
    public var lane: Lane
    public var process: String
    public var at: Double
    public var attempts: Int
    public var messageID: String?
    public var studyID: String?
    /// The original message: UTF-8 text if it was valid UTF-8, else base64 (see `encoding`),
    /// truncated to 64 KiB so an oversized message cannot bloat the list.
    public var message: String
    public var encoding: String

    public init(cause: Cause, reason: String, delivery: Delivery, attempts: Int,
                messageID: String?, studyID: String?, at: Double = Date().timeIntervalSince1970) {
        self.version = ClusterDefaults.protocolVersion
        self.cause = cause; self.reason = reason; self.queue = delivery.queue; self.lane = delivery.lane
        self.process = delivery.process; self.at = at; self.attempts = attempts
        self.messageID = messageID; self.studyID = studyID
        let kept = Array(delivery.raw.prefix(64 * 1024))
        if let text = String(validating: kept, as: UTF8.self) {
            message = text; encoding = "utf8"
        } else {
            message = Data(kept).base64EncodedString(); encoding = "base64"
        }
    }

    enum CodingKeys: String, CodingKey {
        case version = "v", cause, reason, queue, lane, process, at, attempts
        case messageID = "message_id", studyID = "study_id", message, encoding
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? Array("{\"v\":1,\"reason\":\"unencodable\"}".utf8)
    }

    public static func decode(_ raw: [UInt8]) -> DeadLetter? {
        try? JSONDecoder().decode(DeadLetter.self, from: Data(raw))
    }
}

extension DeadLetter.Cause {
    init(_ kind: MessageRejection.Kind) {
        switch kind {
        case .oversized: self = .oversized
        case .badJSON: self = .badJSON
        case .unknownVersion: self = .unknownVersion
        case .wrongKind: self = .wrongKind
        case .invalidField: self = .invalidField
        case .missingPayload: self = .missingPayload
        }
    }
}
