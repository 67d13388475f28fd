import Foundation

/// A small CSV reader: a header line naming the columns, commas between fields, double
/// quotes around fields that hold commas ("" is a quote). Column names compare lowercased.
struct CSVTable {
    var columns: [String]
    var rows: [[String]]
    var source: String

    static func read(path: String) throws -> CSVTable {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DatasetError.unreadableTable(path: path, reason: error.localizedDescription)
        }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> CSVTable {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = lines.first else { throw DatasetError.unreadableTable(path: source, reason: "the file is empty") }
        let columns = fields(header).map { $0.lowercased() }
        var rows: [[String]] = []
        for (n, line) in lines.enumerated().dropFirst() {
            let f = fields(line)
            guard f.count >= columns.count else {
                throw DatasetError.unreadableTable(path: source,
                    reason: "line \(n + 1) has \(f.count) fields, the header \(columns.count)")
            }
            rows.append(f)
        }
        return CSVTable(columns: columns, rows: rows, source: source)
    }

    /// Index of a required column.
    func column(_ name: String) throws -> Int {
        guard let i = columns.firstIndex(of: name) else {
            throw DatasetError.unreadableTable(path: source,
                reason: "no column '\(name)' (header: \(columns.joined(separator: ",")))")
        }
        return i
    }

    static func fields(_ line: String) -> [String] {
        var out: [String] = [], field = "", quoted = false
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if quoted {
                if ch == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else { field.append(ch) }
            } else if ch == "\"" { quoted = true }
            else if ch == "," { out.append(field.trimmingCharacters(in: .whitespaces)); field = "" }
            else { field.append(ch) }
            i += 1
        }
        out.append(field.trimmingCharacters(in: .whitespaces))
        return out
    }

    static func label(_ field: String, line: Int, source: String) throws -> Bool {
        switch field.lowercased() {
        case "1", "true", "yes", "positive", "pos", "covid": return true
        case "0", "false", "no", "negative", "neg", "noncovid", "non-covid": return false
        default:
            throw DatasetError.unreadableTable(path: source,
                reason: "line \(line): label '\(field)' is not 1/0, true/false, yes/no or positive/negative")
        }
    }
}
