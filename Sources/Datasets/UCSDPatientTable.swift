import Foundation

/// The patient of every image of the UCSD-AI4H COVID-CT set, for patient-wise splits: the
/// resource `Resources/ucsd-covid-ct-patients.csv` (columns folder, file, group), made from
/// the set's `COVID-CT-MetaInfo.xlsx` by `Scripts/default-model/ucsd-patient-table.py`
/// (`Resources/README.md` says how).
///
/// SwiftPM copies it into the bundle `CTScreen_Datasets.resources` beside the executable. As
/// for `DefaultModel`, the file is looked up by hand rather than through `Bundle.module`,
/// whose accessor stops the process when the bundle is missing: here a missing or unparsable
/// table is a `DatasetError`, thrown where the UCSD grouping is used.
enum UCSDPatientTable {
    static let fileName = "ucsd-covid-ct-patients.csv"
    static let bundleName = "CTScreen_Datasets.resources"

    /// Where the table is looked for, in order: the bundle beside the executable (SwiftPM's
    /// layout), then `../share/ctscreen/` from the executable's folder (the install layout).
    static func candidatePaths(executableFolder: URL = Bundle.main.bundleURL) -> [String] {
        [executableFolder.appendingPathComponent(bundleName).appendingPathComponent(fileName).path,
         executableFolder.deletingLastPathComponent().appendingPathComponent("share/ctscreen").appendingPathComponent(fileName).path]
    }

    /// The table found at the first candidate path: `folder/file` → group.
    static func load(executableFolder: URL = Bundle.main.bundleURL) throws -> [String: String] {
        let candidates = candidatePaths(executableFolder: executableFolder)
        guard let path = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw DatasetError.unreadableTable(path: fileName,
                reason: "the UCSD patient table, a resource of the Datasets module, is not at "
                    + candidates.joined(separator: " or "))
        }
        return try load(path: path)
    }

    /// The table in `path`: `folder/file` → group. Every row needs a folder, a file and a
    /// group, and names a file only once.
    static func load(path: String) throws -> [String: String] {
        let table = try CSVTable.read(path: path)
        let folder = try table.column("folder"), file = try table.column("file"), group = try table.column("group")
        var groups: [String: String] = [:]
        for (n, row) in table.rows.enumerated() {
            let key = "\(row[folder])/\(row[file])"
            guard !row[folder].isEmpty, !row[file].isEmpty, !row[group].isEmpty else {
                throw DatasetError.unreadableTable(path: path, reason: "line \(table.line(ofRow: n)) has an empty field")
            }
            guard groups.updateValue(row[group], forKey: key) == nil else {
                throw DatasetError.unreadableTable(path: path, reason: "line \(table.line(ofRow: n)) repeats \(key)")
            }
        }
        guard !groups.isEmpty else { throw DatasetError.unreadableTable(path: path, reason: "no rows") }
        return groups
    }
}
