import Foundation
import Screening

/// Every Redis key of the cluster, in one place, under one configurable prefix.
///
/// Layout (prefix `ctscreen`; `<q>` is `studies`, `slices` or `reduce`):
///
/// | key                                     | type   | holds                                            |
/// |-----------------------------------------|--------|--------------------------------------------------|
/// | `ctscreen:queue:<q>`                    | list   | bulk lane: message envelopes, LPUSH in, taken from the right |
/// | `ctscreen:queue:<q>:urgent`             | list   | urgent lane, always served before the bulk lane  |
/// | `ctscreen:queue:dead`                   | list   | dead-letter records (JSON), newest on the left, capped |
/// | `ctscreen:processing:<pid>:<q>[:urgent]`| list   | items a process holds (BLMOVE target)            |
/// | `ctscreen:inflight:<pid>:<q>[:urgent]`  | zset   | item of that processing list → deadline (Redis TIME, ms) |
/// | `ctscreen:heartbeat:<pid>`              | string | liveness, PX = interval + slack                  |
/// | `ctscreen:processes`                    | hash   | pid → process record (JSON)                      |
/// | `ctscreen:attempts:<message id>`        | string | deliveries of that message so far, with TTL      |
/// | `ctscreen:study:<id>`                   | hash   | state, reason, updated, attempt, identity, label, reduce_enqueued |
/// | `ctscreen:studies:<state>`              | set    | study ids in that state                          |
/// | `ctscreen:payload:<id>:a<k>:batch:<n>`  | string | slice-batch pixels of attempt k (binary), with TTL |
/// | `ctscreen:payload:<id>:a<k>:context`    | string | study context of attempt k for the reducer, with TTL |
/// | `ctscreen:results:<id>:a<k>`            | hash   | `batch:<n>` → batch result of attempt k (binary), with TTL |
/// | `ctscreen:report:<id>:a<k>`             | string | summary of attempt k once done (JSON), long TTL  |
/// | `ctscreen:lock:reaper`                  | string | holder of the reaper role (SET NX EX)            |
/// | `ctscreen:metrics:<name>`               | string | cluster-wide counters (INCRBY)                   |
/// | `ctscreen:timeline:<patient>`           | hash   | time point key → time point (JSON), one per scan of the patient |
///
/// Everything but the study hashes and state sets (the record of each study) expires or is
/// deleted when used, so Redis memory is bounded by the work in flight (sizing: Deploy/README.md).
///
/// A study id names one series (`StudyIDs`); `<k>` is the study's attempt (1 on first
/// submission, +1 per `submit --new-attempt`), so the keys of two attempts never meet.
/// `Protocols/README.md` documents the same layout for other implementations.
public struct Keys: Sendable, Equatable {
    public let prefix: String

    public init(prefix: String = ClusterDefaults.keyPrefix) throws {
        guard !prefix.isEmpty, prefix.count <= 64,
              prefix.unicodeScalars.allSatisfy({ Keys.allowed.contains($0) })
        else {
            throw ClusterError(.invalidArgument, "key prefix '\(prefix)' must be 1–64 characters of A–Z a–z 0–9 . _ - :")
        }
        self.prefix = prefix
    }

    /// The default layout (prefix `ctscreen`).
    public static let standard = try! Keys()  // constant, valid by construction

    public func queue(_ queue: QueueName, _ lane: Lane) -> String {
        lane == .urgent ? "\(prefix):queue:\(queue.rawValue):urgent" : "\(prefix):queue:\(queue.rawValue)"
    }
    public var deadLetters: String { "\(prefix):queue:dead" }
    public func processing(_ process: String, _ queue: QueueName, _ lane: Lane) -> String {
        lane == .urgent ? "\(prefix):processing:\(process):\(queue.rawValue):urgent"
                        : "\(prefix):processing:\(process):\(queue.rawValue)"
    }
    /// Deadlines of the items in `processing(process, queue, lane)` (visibility timeout).
    public func inflight(_ process: String, _ queue: QueueName, _ lane: Lane) -> String {
        lane == .urgent ? "\(prefix):inflight:\(process):\(queue.rawValue):urgent"
                        : "\(prefix):inflight:\(process):\(queue.rawValue)"
    }
    public func heartbeat(_ process: String) -> String { "\(prefix):heartbeat:\(process)" }
    public var processes: String { "\(prefix):processes" }
    /// Delivery count of one message (a key each, so every count expires: `attemptsTTL`).
    public func attempts(_ messageID: String) -> String { "\(prefix):attempts:\(messageID)" }
    public func study(_ studyID: String) -> String { "\(prefix):study:\(studyID)" }
    public func studies(in state: StudyState.Name) -> String { "\(prefix):studies:\(state.rawValue)" }
    public func batchPayload(_ studyID: String, attempt: Int, batch: Int) -> String {
        "\(prefix):payload:\(studyID):a\(attempt):batch:\(batch)"
    }
    public func contextPayload(_ studyID: String, attempt: Int) -> String { "\(prefix):payload:\(studyID):a\(attempt):context" }
    /// Every payload key starts with this; messages naming any other key are rejected.
    public var payloadPrefix: String { "\(prefix):payload:" }
    public func results(_ studyID: String, attempt: Int) -> String { "\(prefix):results:\(studyID):a\(attempt)" }
    /// A patient's time points (hash: time point key → TimePoint JSON). The patient id is used
    /// as is when it is made of id characters, else as `h-` and its SHA-256 (any byte can be
    /// in a DICOM PatientID).
    public func timeline(_ patientID: String) -> String {
        Self.isValidID(patientID) ? "\(prefix):timeline:\(patientID)" : "\(prefix):timeline:h-\(SHA256.hexDigest(of: Data(patientID.utf8)))"
    }
    public static func resultField(batch: Int) -> String { "batch:\(batch)" }
    /// Summary of a finished attempt (JSON `StudySummary`), read by `status`, `result`, `worklist`.
    public func report(_ studyID: String, attempt: Int) -> String { "\(prefix):report:\(studyID):a\(attempt)" }
    public var reaperLock: String { "\(prefix):lock:reaper" }
    public func counter(_ name: String) -> String { "\(prefix):metrics:\(name)" }

    static let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:".unicodeScalars)
    /// Study and process ids become part of keys: a conservative alphabet, no separators
    /// except `.`, `_`, `-` (DICOM UIDs are digits and dots).
    static let idAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars)

    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.unicodeScalars.allSatisfy { idAlphabet.contains($0) }
    }
}
