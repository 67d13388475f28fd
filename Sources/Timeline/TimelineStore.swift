import CSQLite
import Foundation

/// Where a patient's time points are kept: SQLite for `analyze --history DIR`, Redis in the
/// cluster (see Cluster's `RedisTimelineStore`).
public protocol TimelineStore {
    /// Adds or replaces (same patient and key) a time point.
    func add(_ point: TimePoint) throws
    func timePoints(patient: String) throws -> [TimePoint]
}

/// A timeline store failure, naming the store and the reason.
public struct TimelineError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TimelineStore {
    /// Adds `point` and returns the patient's timeline with it; a study without a patient id
    /// is refused (no timeline can hold it).
    public func record(_ point: TimePoint) throws -> Timeline {
        guard !point.patientID.isEmpty else {
            throw TimelineError("study \(point.label ?? point.studyID) has no patient id: not added to any timeline")
        }
        try add(point)
        return Timeline(patientID: point.patientID, timePoints: try timePoints(patient: point.patientID))
    }
}

/// Time points in one SQLite file (DIR/timeline.sqlite): table `time_points`, one row per
/// (patient, key), the point as JSON. SQLite's own locking lets several `analyze` processes
/// share the folder.
public final class SQLiteTimelineStore: TimelineStore {
    public let path: String
    private var db: OpaquePointer?

    public static let fileName = "timeline.sqlite"

    /// Opens (creating when needed) `folder/timeline.sqlite`.
    public init(folder: URL) throws {
        path = folder.appendingPathComponent(Self.fileName).path
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TimelineError("\(folder.path): cannot create the history folder (\(error.localizedDescription))")
        }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            db = nil
            throw TimelineError("\(path): \(reason)")
        }
        sqlite3_busy_timeout(db, 10_000)
        try execute("""
            CREATE TABLE IF NOT EXISTS time_points (
                patient_id TEXT NOT NULL, key TEXT NOT NULL, study_date TEXT NOT NULL, point TEXT NOT NULL,
                PRIMARY KEY (patient_id, key))
            """)
    }

    deinit { sqlite3_close(db) }

    public func add(_ point: TimePoint) throws {
        let json = String(decoding: try JSONEncoder().encode(point), as: UTF8.self)
        try statement("INSERT OR REPLACE INTO time_points (patient_id, key, study_date, point) VALUES (?, ?, ?, ?)",
                      [point.patientID, point.key, point.studyDate, json]) { _ in }
    }

    public func timePoints(patient: String) throws -> [TimePoint] {
        var points: [TimePoint] = []
        try statement("SELECT point FROM time_points WHERE patient_id = ? ORDER BY key", [patient]) { row in
            let text = String(cString: sqlite3_column_text(row, 0))
            do {
                points.append(try JSONDecoder().decode(TimePoint.self, from: Data(text.utf8)))
            } catch {
                throw TimelineError("\(self.path): a time point of patient \(patient) does not decode (\(error))")
            }
        }
        return points
    }

    /// Every patient id in the store.
    public func patients() throws -> [String] {
        var ids: [String] = []
        try statement("SELECT DISTINCT patient_id FROM time_points ORDER BY patient_id", []) { row in
            ids.append(String(cString: sqlite3_column_text(row, 0)))
        }
        return ids
    }

    private func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let reason = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw TimelineError("\(path): \(reason)")
        }
    }

    /// Prepares `sql`, binds text parameters, steps through the rows.
    private func statement(_ sql: String, _ parameters: [String], row: (OpaquePointer) throws -> Void) throws {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw TimelineError("\(path): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(stmt) }
        // SQLITE_TRANSIENT: SQLite copies the text before the Swift string goes away.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, p) in parameters.enumerated() { sqlite3_bind_text(stmt, Int32(i + 1), p, -1, transient) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw TimelineError("\(path): \(String(cString: sqlite3_errmsg(db)))") }
            try row(stmt)
        }
    }
}
