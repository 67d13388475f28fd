import Foundation

/// The three work queues. Dead letters have their own list (`Keys.deadLetters`).
public enum QueueName: String, CaseIterable, Codable, Sendable {
    case studies, slices, reduce

    /// The one message kind this queue carries.
    public var messageKind: MessageKind {
        switch self {
        case .studies: return .study
        case .slices: return .sliceBatch
        case .reduce: return .reduce
        }
    }
}

/// Urgent items are taken before any bulk item of the same queue.
public enum Lane: String, CaseIterable, Codable, Sendable {
    case urgent, bulk
}

/// One item taken from a queue, now sitting in the taker's processing list.
public struct Delivery: Equatable, Sendable {
    public var raw: [UInt8]
    public var queue: QueueName
    public var lane: Lane
    public var process: String
    public init(raw: [UInt8], queue: QueueName, lane: Lane, process: String) {
        self.raw = raw; self.queue = queue; self.lane = lane; self.process = process
    }
}

/// What to do with a delivery once its handler is done with it.
public enum Settlement: Equatable, Sendable {
    /// Remove from the processing list: results are written.
    case ack
    /// Back to the head of its queue (taken next): graceful stop, reaper recovery.
    case handBack
    /// Back to the tail of its queue (taken after the items already waiting): a retry.
    case retry
    /// Remove, and push this dead-letter record onto the dead-letter list.
    case deadLetter([UInt8])
}

/// A study's place in the state machine:
/// queued → ingesting → classifying → reducing → done, and failed(reason) from any
/// non-final state. Transitions only move forward (repeating a state is allowed, since
/// delivery is at-least-once); done and failed are final. Only an explicit new attempt
/// (`QueueTransport.claimStudy`, `submit --new-attempt`) starts the study again at queued.
public enum StudyState: Equatable, Sendable, CustomStringConvertible {
    case queued, ingesting, classifying, reducing, done
    case failed(String)

    public enum Name: String, CaseIterable, Codable, Sendable {
        case queued, ingesting, classifying, reducing, done, failed
        var rank: Int {
            switch self {
            case .queued: return 1
            case .ingesting: return 2
            case .classifying: return 3
            case .reducing: return 4
            case .done, .failed: return 5
            }
        }
        var isFinal: Bool { self == .done || self == .failed }
    }

    public var name: Name {
        switch self {
        case .queued: return .queued
        case .ingesting: return .ingesting
        case .classifying: return .classifying
        case .reducing: return .reducing
        case .done: return .done
        case .failed: return .failed
        }
    }

    public var reason: String { if case .failed(let r) = self { return r } else { return "" } }

    public init(name: Name, reason: String) {
        switch name {
        case .queued: self = .queued
        case .ingesting: self = .ingesting
        case .classifying: self = .classifying
        case .reducing: self = .reducing
        case .done: self = .done
        case .failed: self = .failed(reason)
        }
    }

    public var description: String { reason.isEmpty ? name.rawValue : "\(name.rawValue)(\(reason))" }

    /// Whether the state machine allows `current → next` (a new attempt is a claim, not a transition).
    public static func allows(from current: Name?, to next: Name) -> Bool {
        guard let current else { return true }
        if current.isFinal { return false }
        return next == .failed || next.rank >= current.rank
    }
}

/// A study's state as stored.
public struct StudyRecord: Equatable, Sendable {
    public var studyID: String
    public var state: StudyState
    /// Seconds since 1970 of the last transition.
    public var updated: Double
    /// The current attempt (1 unless `submit --new-attempt` started more; a record made
    /// without a claim counts as attempt 1).
    public var attempt: Int = 1
    /// What the id names (`StudyIDs`, e.g. `dicom:<StudyInstanceUID>|<SeriesInstanceUID>`);
    /// empty for a record made without a claim.
    public var identity: String = ""
    /// The readable name (folder or file name) shown beside the id; may repeat across studies.
    public var label: String = ""

    public init(studyID: String, state: StudyState, updated: Double, attempt: Int = 1, identity: String = "",
                label: String = "") {
        self.studyID = studyID; self.state = state; self.updated = updated
        self.attempt = attempt; self.identity = identity; self.label = label
    }
}

/// The outcome of writing one slice-batch result.
public struct BatchResultOutcome: Equatable, Sendable {
    /// True if this write stored the result (false: a duplicate, the first one is kept).
    public var stored: Bool
    /// True if this write completed the study and enqueued its reduce item (exactly once).
    public var reduceEnqueued: Bool
    /// True if the result belongs to an attempt that is no longer current, or to a study
    /// already done or failed: nothing was written.
    public var stale: Bool = false

    public init(stored: Bool, reduceEnqueued: Bool, stale: Bool = false) {
        self.stored = stored; self.reduceEnqueued = reduceEnqueued; self.stale = stale
    }
}

/// A live or recently live process, as registered.
public struct ProcessRecord: Codable, Equatable, Sendable {
    public var id: String
    public var role: String
    public var host: String
    public var pid: Int32
    public var started: Double
    public init(id: String, role: String, host: String = ProcessInfo.processInfo.hostName,
                pid: Int32 = ProcessInfo.processInfo.processIdentifier, started: Double = Date().timeIntervalSince1970) {
        self.id = id; self.role = role; self.host = host; self.pid = pid; self.started = started
    }

    /// A unique id for a new process: role, host, pid and a random suffix.
    public static func makeID(role: String) -> String {
        let host = ProcessInfo.processInfo.hostName.unicodeScalars.filter { Keys.idAlphabet.contains($0) }
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(role)-\(String(String.UnicodeScalarView(host.prefix(32))))-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}

/// What `completeStudy` did. Only `completed` wrote the summary and moved the state; in every
/// case the attempt's payload and result keys are gone afterwards.
public enum CompletionOutcome: Equatable, Sendable {
    /// The study is now `done` for this attempt.
    case completed
    /// It already was (a redelivered reduce item, or one whose first run died after the step).
    case alreadyDone
    /// A newer attempt owns the study: nothing written.
    case stale
    /// The study had failed meanwhile (`failed` is final): nothing written.
    case failed(reason: String)
}

/// A study to mark failed together with a dead letter (`QueueTransport.deadLetterAndFail`).
public struct StudyFailure: Equatable, Sendable {
    public var studyID: String
    /// The study attempt the item belongs to: a stale attempt's poison item never fails a
    /// newer attempt (nil: whatever attempt is current).
    public var attempt: Int?
    public var reason: String
    /// Keys freed when the study is failed by this step (its attempt's context and results):
    /// nothing will read them.
    public var freeing: [String]

    public init(studyID: String, attempt: Int?, reason: String, freeing: [String] = []) {
        self.studyID = studyID; self.attempt = attempt; self.reason = reason; self.freeing = freeing
    }
}

/// A store's memory as it reports it (Redis: INFO memory).
public struct MemoryUsage: Equatable, Sendable {
    /// Bytes in use.
    public var used: Int
    /// `maxmemory` (0: no limit set).
    public var limit: Int

    public init(used: Int, limit: Int) { self.used = used; self.limit = limit }
}
