import Foundation

/// Which body a message carries; each queue accepts one kind.
public enum MessageKind: String, Codable, Sendable {
    case study
    case sliceBatch = "slice-batch"
    case reduce

    public var queue: QueueName {
        switch self {
        case .study: return .studies
        case .sliceBatch: return .slices
        case .reduce: return .reduce
        }
    }
}

public enum MessageBody: Equatable, Sendable {
    case study(StudyDescriptor)
    case sliceBatch(SliceBatchDescriptor)
    case reduce(ReduceDescriptor)

    public var kind: MessageKind {
        switch self {
        case .study: return .study
        case .sliceBatch: return .sliceBatch
        case .reduce: return .reduce
        }
    }

    public var studyID: String {
        switch self {
        case .study(let d): return d.studyID
        case .sliceBatch(let d): return d.studyID
        case .reduce(let d): return d.studyID
        }
    }

    public var attempt: Int {
        switch self {
        case .study(let d): return d.attempt
        case .sliceBatch(let d): return d.attempt
        case .reduce(let d): return d.attempt
        }
    }

    /// Payload keys the message refers to; they must exist when the message is handled.
    public var payloadKeys: [String] {
        switch self {
        case .study: return []
        case .sliceBatch(let d): return [d.payloadKey]
        case .reduce(let d): return d.contextKey.map { [$0] } ?? []
        }
    }

    /// Slices this item stands for in throughput counts (a batch counts its slices).
    public var sliceCount: Int {
        switch self {
        case .study: return 0
        case .sliceBatch(let d): return d.sliceCount
        case .reduce(let d): return d.sliceCount
        }
    }
}

/// The versioned wrapper of every queue message:
/// `{"v":2,"id":"…","kind":"slice-batch","lane":"bulk","created":1.7e9,"body":{…}}`.
public struct Envelope: Equatable, Sendable {
    public var version: Int
    /// Unique per message; attempts are counted under it. Re-deliveries keep it.
    public var id: String
    public var lane: Lane
    /// Seconds since 1970 when the message was made.
    public var created: Double
    public var body: MessageBody

    public init(body: MessageBody, lane: Lane = .bulk, id: String = UUID().uuidString.lowercased(),
                created: Double = Date().timeIntervalSince1970) {
        self.version = ClusterDefaults.protocolVersion
        self.id = id; self.lane = lane; self.created = created; self.body = body
    }

    public var kind: MessageKind { body.kind }
    public var studyID: String { body.studyID }
    public var attempt: Int { body.attempt }
}

extension Envelope: Codable {
    enum CodingKeys: String, CodingKey { case version = "v", id, kind, lane, created, body }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        id = try c.decode(String.self, forKey: .id)
        lane = try c.decode(Lane.self, forKey: .lane)
        created = try c.decode(Double.self, forKey: .created)
        switch try c.decode(MessageKind.self, forKey: .kind) {
        case .study: body = .study(try c.decode(StudyDescriptor.self, forKey: .body))
        case .sliceBatch: body = .sliceBatch(try c.decode(SliceBatchDescriptor.self, forKey: .body))
        case .reduce: body = .reduce(try c.decode(ReduceDescriptor.self, forKey: .body))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(lane, forKey: .lane)
        try c.encode(created, forKey: .created)
        switch body {
        case .study(let d): try c.encode(d, forKey: .body)
        case .sliceBatch(let d): try c.encode(d, forKey: .body)
        case .reduce(let d): try c.encode(d, forKey: .body)
        }
    }
}
