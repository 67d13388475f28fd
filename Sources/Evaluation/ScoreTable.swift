import Foundation

/// A CSV of scored samples: a header naming the columns `id`, `label`, `score` and optionally
/// `group` (any order, extra columns ignored), one sample per line. Labels are 1/0,
/// true/false, yes/no or positive/negative (any case). Fields may be double-quoted.
public struct ScoreTable: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var id: String
        public var label: Bool
        public var score: Double
        public var group: String?

        public init(id: String, label: Bool, score: Double, group: String? = nil) {
            self.id = id
            self.label = label
            self.score = score
            self.group = group
        }
    }

    public var rows: [Row]
    public var source: String

    public init(rows: [Row], source: String) {
        self.rows = rows
        self.source = source
    }

    public static func read(path: String) throws -> ScoreTable {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw EvaluationError.unreadableTable(path: path, reason: "\(error.localizedDescription)")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws -> ScoreTable {
        func fail(_ reason: String) -> EvaluationError { .unreadableTable(path: source, reason: reason) }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = lines.first else { throw fail("the file is empty") }
        let names = CSVLine.fields(header).map { $0.lowercased() }
        guard let idColumn = names.firstIndex(of: "id"), let labelColumn = names.firstIndex(of: "label"),
              let scoreColumn = names.firstIndex(of: "score") else {
            throw fail("the header must name the columns id, label and score, found \(names.joined(separator: ","))")
        }
        let groupColumn = names.firstIndex(of: "group")
        var rows: [Row] = []
        for (number, line) in lines.enumerated().dropFirst() {
            let fields = CSVLine.fields(line)
            guard fields.count >= names.count else {
                throw fail("line \(number + 1) has \(fields.count) fields, the header \(names.count)")
            }
            guard let label = parseLabel(fields[labelColumn]) else {
                throw fail("line \(number + 1): label '\(fields[labelColumn])' is not 1/0, true/false, yes/no or positive/negative")
            }
            guard let score = Double(fields[scoreColumn]), score.isFinite else {
                throw fail("line \(number + 1): score '\(fields[scoreColumn])' is not a finite number")
            }
            let group = groupColumn.map { fields[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            rows.append(Row(id: fields[idColumn], label: label, score: score, group: group))
        }
        guard !rows.isEmpty else { throw fail("no data lines after the header") }
        return ScoreTable(rows: rows, source: source)
    }

    static func parseLabel(_ field: String) -> Bool? {
        switch field.lowercased() {
        case "1", "true", "yes", "positive", "pos": return true
        case "0", "false", "no", "negative", "neg": return false
        default: return nil
        }
    }

    /// The rows as ROC input (throws when a class is missing).
    public func labeledScores() throws -> LabeledScores {
        try LabeledScores(scores: rows.map(\.score), labels: rows.map(\.label), source: source)
    }

    /// The distinct group names in order of first appearance.
    public var groups: [String] {
        var seen: [String] = []
        for g in rows.compactMap(\.group) where !seen.contains(g) { seen.append(g) }
        return seen
    }
}

/// Splits one CSV line: commas separate, double quotes enclose fields, "" is a quote.
enum CSVLine {
    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = line.makeIterator()
        var pending: Character? = nil
        while let ch = pending ?? chars.next() {
            pending = nil
            if quoted {
                if ch == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(ch) }
            } else if ch == "\"" { quoted = true }
            else if ch == "," { fields.append(field.trimmingCharacters(in: .whitespaces)); field = "" }
            else { field.append(ch) }
        }
        fields.append(field.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
