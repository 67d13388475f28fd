import Foundation

/// One study's clustering inputs, as `analyze` and the reducer leave them: `report.json` with
/// its lung slices, and beside it `features.npy` (one row per slice) and `thumbnails.npy`.
/// Only the report fields clustering needs are read.
public struct StudyFeatures: Sendable {
    public struct Slice: Codable, Sendable {
        public var index: Int
        public var probability: Double
        public var positive: Bool
    }

    public var folder: URL
    public var studyID: String
    /// The readable name (`label` in the report, else the study id).
    public var label: String
    public var slices: [Slice]
    public var featuresFile: URL
    public var thumbnailsFile: URL?

    private struct Report: Decodable {
        struct Study: Decodable { var studyID: String; var label: String? }
        var study: Study
        var slices: [Slice]
        var outputs: [String: String]
    }

    /// Reads `folder/report.json`; nil when the report lists no features (an old report, or a
    /// classifier without them). A report that does not decode is an error naming it.
    public static func load(folder: URL) throws -> StudyFeatures? {
        let url = folder.appendingPathComponent("report.json")
        let report: Report
        do { report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: url)) } catch {
            throw ClusteringError("\(url.path): not a readable report (\(error))")
        }
        guard let features = report.outputs["features"] else { return nil }
        return StudyFeatures(folder: folder, studyID: report.study.studyID, label: report.study.label ?? report.study.studyID,
                             slices: report.slices, featuresFile: folder.appendingPathComponent(features),
                             thumbnailsFile: report.outputs["thumbnails"].map { folder.appendingPathComponent($0) })
    }

    /// Every folder under `roots` (searched recursively) holding a report, ordered by study
    /// name, id and folder: the same studies give the same order (and so the same clusters)
    /// wherever their outputs lie.
    public static func find(_ roots: [URL]) throws -> (studies: [StudyFeatures], withoutFeatures: [URL]) {
        var folders: [URL] = []
        for root in roots {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ClusteringError("\(root.path): no such folder")
            }
            if FileManager.default.fileExists(atPath: root.appendingPathComponent("report.json").path) { folders.append(root) }
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            while let url = walker?.nextObject() as? URL {
                if url.lastPathComponent == "report.json" { folders.append(url.deletingLastPathComponent()) }
            }
        }
        var seen = Set<String>(), studies: [StudyFeatures] = [], without: [URL] = []
        for folder in folders.sorted(by: { $0.path < $1.path }) where seen.insert(folder.standardizedFileURL.path).inserted {
            if let s = try load(folder: folder) { studies.append(s) } else { without.append(folder) }
        }
        studies.sort { ($0.label, $0.studyID, $0.folder.path) < ($1.label, $1.studyID, $1.folder.path) }
        return (studies, without)
    }

    /// The feature rows of `rows` slices (all when nil), checked against the report.
    public func features(dimension: Int? = nil) throws -> (values: [Float], dimension: Int) {
        let array = try NPYFile.read(featuresFile)
        guard array.shape.count == 2, array.shape[0] == slices.count, array.shape[1] > 0,
              dimension == nil || array.shape[1] == dimension else {
            throw ClusteringError("\(featuresFile.path): shape \(array.shape), expected \(slices.count) rows"
                                  + (dimension.map { " of \($0)" } ?? ""))
        }
        return (array.floats(), array.shape[1])
    }
}
