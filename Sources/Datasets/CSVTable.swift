import CSV
import Foundation

/// A CSV table read with CSV.swift (RFC 4180: commas between fields, double quotes around
/// fields that hold commas, quotes ("" inside) or line breaks; LF or CRLF): a header row naming
/// the columns, compared lowercased; fields trimmed of surrounding spaces; blank lines skipped.
///
/// Kept here by hand, because the library does not give them: the line each row starts on
/// (for error messages naming file and line; a quoted field may span lines), the check that
/// every row has at least the header's fields, and dropping a UTF-8 byte-order mark.
public struct CSVTable: Sendable {
    public var columns: [String]
    public var rows: [[String]]
    /// The 1-based line of the file on which each row starts.
    public var lines: [Int]
    public var source: String

    public static func read(path: String) throws -> CSVTable {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DatasetError.unreadableTable(path: path, reason: error.localizedDescription)
        }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> CSVTable {
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let reader: CSVReader
        do { reader = try CSVReader(string: body, hasHeaderRow: false, trimFields: true) } catch {
            throw DatasetError.unreadableTable(path: source, reason: "\(error)")
        }
        var header: [String]?
        var rows: [[String]] = [], lines: [Int] = []
        var line = 1
        while let fields = reader.next() {
            defer { line += 1 + fields.reduce(0) { $0 + $1.filter(\.isNewline).count } }
            if fields.allSatisfy(\.isEmpty) { continue }  // a blank line
            guard let columns = header else { header = fields.map { $0.lowercased() }; continue }
            guard fields.count >= columns.count else {
                throw DatasetError.unreadableTable(path: source,
                    reason: "line \(line) has \(fields.count) fields, the header \(columns.count)")
            }
            rows.append(fields)
            lines.append(line)
        }
        if let error = reader.error { throw DatasetError.unreadableTable(path: source, reason: "\(error)") }
        guard let columns = header else { throw DatasetError.unreadableTable(path: source, reason: "the file is empty") }
        return CSVTable(columns: columns, rows: rows, lines: lines, source: source)
    }

    /// Index of a required column.
    public func column(_ name: String) throws -> Int {
        guard let i = columns.firstIndex(of: name) else {
            throw DatasetError.unreadableTable(path: source,
                reason: "no column '\(name)' (header: \(columns.joined(separator: ",")))")
        }
        return i
    }

    /// The file line of row `n` (0-based, header not counted), for error messages.
    func line(ofRow n: Int) -> Int { lines[n] }

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
