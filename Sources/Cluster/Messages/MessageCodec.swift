import Foundation

/// Why a message was refused. Each is dead-lettered with `reason` and serving goes on.
public struct MessageRejection: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        case oversized, badJSON = "bad-json", unknownVersion = "unknown-version"
        case wrongKind = "wrong-kind", invalidField = "invalid-field", missingPayload = "missing-payload"
    }
    public var kind: Kind
    public var reason: String
    /// The envelope, when it parsed far enough to name its study (to mark the study failed).
    public var envelope: Envelope?

    public var description: String { "\(kind.rawValue): \(reason)" }
}

/// Encodes envelopes and decodes raw queue bytes defensively: size first, then JSON, then
/// the version, then the typed body, then field checks. Never trusts a message.
public struct MessageCodec: Sendable {
    public var keys: Keys
    public var maxMessageBytes: Int

    public init(keys: Keys, maxMessageBytes: Int = ClusterDefaults.maxMessageBytes) {
        self.keys = keys
        self.maxMessageBytes = maxMessageBytes
    }

    public func encode(_ envelope: Envelope) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(envelope))
    }

    public func decode(_ raw: [UInt8], expecting kind: MessageKind? = nil) throws -> Envelope {
        func reject(_ k: MessageRejection.Kind, _ why: String, _ env: Envelope? = nil) -> MessageRejection {
            MessageRejection(kind: k, reason: why, envelope: env)
        }
        guard raw.count <= maxMessageBytes else {
            throw reject(.oversized, "message of \(raw.count) bytes exceeds the limit of \(maxMessageBytes) bytes")
        }
        let data = Data(raw)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw reject(.badJSON, "not valid JSON (\(raw.count) bytes)")
        }
        guard object is [String: Any] else { throw reject(.badJSON, "JSON is not an object") }
        // JSONDecoder, not the NSNumber from JSONSerialization: on Linux `true` bridges to 1.
        guard let v = (try? JSONDecoder().decode(VersionProbe.self, from: data))?.v else {
            throw reject(.unknownVersion, "missing or non-integer protocol version \"v\"")
        }
        guard v == ClusterDefaults.protocolVersion else {
            throw reject(.unknownVersion, "protocol version \(v) is not supported (this build speaks \(ClusterDefaults.protocolVersion))")
        }
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw reject(.badJSON, "missing field '\(Self.path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw reject(.badJSON, "wrong type at '\(Self.path(context.codingPath))'")
        } catch let DecodingError.valueNotFound(_, context) {
            throw reject(.badJSON, "null at '\(Self.path(context.codingPath))'")
        } catch let DecodingError.dataCorrupted(context) {
            throw reject(.badJSON, "invalid value at '\(Self.path(context.codingPath))'")
        } catch {
            throw reject(.badJSON, "undecodable envelope")
        }
        if let kind, envelope.kind != kind {
            throw reject(.wrongKind, "a \(envelope.kind.rawValue) message on a queue for \(kind.rawValue) messages", envelope)
        }
        if let why = validate(envelope) { throw reject(.invalidField, why, envelope) }
        return envelope
    }

    /// Field checks the types cannot express. Returns the reason of the first failure.
    func validate(_ e: Envelope) -> String? {
        guard !e.id.isEmpty, e.id.utf8.count <= 128 else { return "message id must be 1–128 bytes" }
        guard Keys.isValidID(e.studyID) else {
            return "study id '\(e.studyID.prefix(64))' must be 1–128 characters of A–Z a–z 0–9 . _ -"
        }
        guard e.attempt >= 1 else { return "attempt \(e.attempt) of study \(e.studyID) must be ≥ 1" }
        for key in e.body.payloadKeys where !key.hasPrefix(keys.payloadPrefix) {
            return "payload key '\(key.prefix(96))' is outside '\(keys.payloadPrefix)'"
        }
        switch e.body {
        case .study(let d):
            if d.sources.isEmpty { return "study \(d.studyID) has no sources" }
            // The label becomes part of an output folder name: the id alphabet, no separators.
            if let label = d.label, !Keys.isValidID(label) {
                return "label '\(label.prefix(64))' of study \(d.studyID) must be 1–128 characters of A–Z a–z 0–9 . _ -"
            }
        case .sliceBatch(let d):
            guard d.batchCount >= 1, (0..<d.batchCount).contains(d.batchIndex) else {
                return "batch_index \(d.batchIndex) not in 0..<batch_count \(d.batchCount)"
            }
            if d.sliceIndices.isEmpty || d.sliceIndices.contains(where: { $0 < 0 }) {
                return "slice_indices must be non-empty and ≥ 0"
            }
        case .reduce(let d):
            if d.batchCount < 1 || d.sliceCount < 0 { return "batch_count must be ≥ 1 and slice_count ≥ 0" }
        }
        return nil
    }

    private struct VersionProbe: Decodable {
        var v: Int?
        enum CodingKeys: String, CodingKey { case v }
        init(from decoder: Decoder) throws {
            v = try? decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .v)
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// The message id if the bytes parse far enough to have one (used by the reaper).
    public static func peekID(_ raw: [UInt8]) -> (id: String, studyID: String?)? {
        guard let dict = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any],
              let id = dict["id"] as? String else { return nil }
        let study = (dict["body"] as? [String: Any])?["study_id"] as? String
        return (id, study)
    }
}
