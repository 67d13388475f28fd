import Foundation

/// The triage worklist: finished studies, most suspicious first (positive at more operating
/// points, then higher positive ratio, then higher Corona score), then failed studies.
public struct Worklist: Sendable {
    public struct Row: Equatable, Sendable {
        public var studyID: String
        /// The readable name beside the id (folder or file name); two rows may share it.
        public var label: String
        public var attempt: Int
        public var state: String
        /// Operating points at which the study is positive, joined by "+", or "negative".
        public var decision: String
        public var positivePoints: Int
        public var positiveRatio: Double?
        public var coronaScore: Double?
        public var reportPath: String
        public var reason: String
    }

    public var rows: [Row]

    /// Studies in `ids` (nil: every done and failed study).
    public static func build(_ t: QueueTransport, ids: [String]? = nil) throws -> Worklist {
        let all = try ids ?? (t.studies(in: .done) + t.studies(in: .failed))
        var rows: [Row] = []
        for id in all {
            guard let record = try t.studyRecord(id) else { continue }
            // One unreadable or expired summary costs its row's scores, not the worklist.
            var summary: StudySummary?, problem = record.state.reason
            if record.state == .done {
                do { summary = try t.studySummary(id) } catch let e as ClusterError where e.code == .badPayload { problem = e.message }
                if summary == nil, problem.isEmpty { problem = "summary expired (kept 30 days) or missing" }
            }
            if let s = summary {
                let positive = s.decisions.filter(\.value).keys.sorted()
                rows.append(Row(studyID: id, label: record.label, attempt: record.attempt, state: "done", decision: positive.isEmpty ? "negative" : positive.joined(separator: "+"),
                                positivePoints: positive.count, positiveRatio: s.positiveRatio, coronaScore: s.coronaScore,
                                reportPath: s.reportPath, reason: ""))
            } else {
                rows.append(Row(studyID: id, label: record.label, attempt: record.attempt, state: record.state.name.rawValue, decision: "-", positivePoints: -1,
                                positiveRatio: nil, coronaScore: nil, reportPath: "", reason: problem))
            }
        }
        rows.sort {
            ($0.positivePoints, $0.positiveRatio ?? -1, $0.coronaScore ?? -1) > ($1.positivePoints, $1.positiveRatio ?? -1, $1.coronaScore ?? -1)
                || (($0.positivePoints, $0.positiveRatio ?? -1, $0.coronaScore ?? -1) == ($1.positivePoints, $1.positiveRatio ?? -1, $1.coronaScore ?? -1)
                    && $0.studyID < $1.studyID)
        }
        return Worklist(rows: rows)
    }

    public static let csvHeader = "rank,study_id,label,attempt,state,decision,positive_ratio,corona_score_cm3,report,reason"

    public func csv() -> String {
        var lines = [Self.csvHeader]
        for (i, r) in rows.enumerated() {
            let fields = ["\(i + 1)", r.studyID, r.label, "\(r.attempt)", r.state, r.decision, r.positiveRatio.map { String(format: "%.6f", $0) } ?? "",
                          r.coronaScore.map { String(format: "%.4f", $0) } ?? "", r.reportPath, r.reason]
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A fixed-width table for terminals.
    public func table() -> String {
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            s.count >= n ? s : (right ? String(repeating: " ", count: n - s.count) + s : s + String(repeating: " ", count: n - s.count))
        }
        func line(_ f: [String]) -> String {
            [pad(f[0], 4), pad(f[1], 24), pad(f[2], 24), pad(f[3], 8), pad(f[4], 34), pad(f[5], 9, right: true),
             pad(f[6], 11, right: true)].joined(separator: " ")
        }
        var lines = [line(["#", "label", "study id", "state", "decision", "ratio", "corona cm³"])]
        for (i, r) in rows.enumerated() {
            let ratio = r.positiveRatio.map { String(format: "%.2f%%", 100 * $0) } ?? "-"
            let corona = r.coronaScore.map { String(format: "%.2f", $0) } ?? "-"
            let id = r.attempt > 1 ? "\(r.studyID) a\(r.attempt)" : r.studyID
            var text = line(["\(i + 1)", r.label.isEmpty ? "-" : r.label, id, r.state, r.decision, ratio, corona])
            if !r.reason.isEmpty { text += "  " + r.reason }
            lines.append(text)
        }
        return lines.joined(separator: "\n")
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
