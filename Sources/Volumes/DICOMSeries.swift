import Foundation

/// The files of one DICOM series (same SeriesInstanceUID) with their headers.
public struct DICOMSeries: Codable, Sendable {
    public var seriesInstanceUID: String
    /// Headers in path order (not yet sorted along the slice normal).
    public var headers: [DICOMHeader]

    public var summary: SeriesSummary {
        let first = headers.first
        return SeriesSummary(seriesInstanceUID: seriesInstanceUID,
                             studyInstanceUID: first?.studyInstanceUID ?? "",
                             patientID: first?.patientID ?? "", modality: first?.modality ?? "",
                             studyDate: first?.studyDate ?? "", manufacturer: first?.manufacturer ?? "",
                             convolutionKernel: first?.convolutionKernel ?? "",
                             seriesDescription: first?.seriesDescription ?? "",
                             transferSyntaxUID: first?.transferSyntaxUID ?? "",
                             fileCount: headers.count, rows: first?.rows ?? 0, columns: first?.columns ?? 0,
                             firstFile: first?.path ?? "")
    }
}

/// What `listSeries` reports about one series, without decoding any pixel.
public struct SeriesSummary: Equatable, Codable, Sendable {
    public var seriesInstanceUID: String
    public var studyInstanceUID: String
    public var patientID: String
    public var modality: String
    public var studyDate: String
    public var manufacturer: String
    public var convolutionKernel: String
    public var seriesDescription: String
    public var transferSyntaxUID: String
    public var fileCount: Int
    public var rows: Int
    public var columns: Int
    public var firstFile: String
}

/// The result of scanning a folder: series grouped by SeriesInstanceUID, plus every file
/// that could not be read as DICOM (each with its reason).
public struct DICOMFolderScan: Codable, Sendable {
    public var folder: String
    /// Sorted by SeriesInstanceUID.
    public var series: [DICOMSeries]
    public var problems: [VolumeError]
    /// Files left out as copies: same series and SOPInstanceUID as a file listed before them.
    public var copies: [String] = []
}

/// Which series of a folder to read.
public enum SeriesSelection: Sendable, Equatable {
    /// The series with this SeriesInstanceUID.
    case uid(String)
    /// The CT series with the most files; ties go to the smallest SeriesInstanceUID. A
    /// folder whose only series is not CT yields that series, so validation names the reason.
    case automatic
}

public enum DICOMFolder {
    /// Reads every header under `folder` (recursively; hidden files and DICOMDIR skipped)
    /// and groups the files by SeriesInstanceUID. Files without a SeriesInstanceUID (some
    /// anonymisers strip it) are grouped by their folder, keyed "(no SeriesInstanceUID) FOLDER".
    /// `decoder` says where GDCM parses the headers (see `DICOMDecoder`).
    public static func scan(_ folder: URL, decoder: DICOMDecoder = .standard) throws -> DICOMFolderScan {
        try decoder.scan(folder)
    }

    /// `skip`: files left out of the listing (ones the decoder child died on before).
    static func scanInProcess(_ folder: URL, skip: Set<String> = []) throws -> DICOMFolderScan {
        let files = try listFiles(folder).filter { !skip.contains($0) }
        var groups: [String: [DICOMHeader]] = [:]
        var problems: [VolumeError] = []
        // A SOPInstanceUID names one image: a second file with it (a study dropped twice, a
        // backup folder) is a copy, not another slice at the same position.
        var seen = Set<String>(), copies: [String] = []
        for file in files {
            do {
                let header = try GDCM.readHeader(file)
                let key = header.seriesInstanceUID.isEmpty
                    ? "(no SeriesInstanceUID) \((file as NSString).deletingLastPathComponent)"
                    : header.seriesInstanceUID
                if !header.sopInstanceUID.isEmpty, !seen.insert(key + "|" + header.sopInstanceUID).inserted {
                    copies.append(file)
                    continue
                }
                groups[key,
                       default: []].append(header)
            } catch let error as VolumeError {
                problems.append(error)
            }
        }
        let series = groups.keys.sorted().map { DICOMSeries(seriesInstanceUID: $0, headers: groups[$0]!) }
        return DICOMFolderScan(folder: folder.path, series: series, problems: problems, copies: copies)
    }

    /// Summaries of the series under `folder`.
    public static func listSeries(at folder: URL) throws -> [SeriesSummary] {
        try scan(folder).series.map(\.summary)
    }

    /// Picks one series of a scan (see `SeriesSelection`).
    public static func select(_ selection: SeriesSelection, from scan: DICOMFolderScan) throws -> DICOMSeries {
        switch selection {
        case .uid(let uid):
            guard let found = scan.series.first(where: { $0.seriesInstanceUID == uid }) else {
                throw VolumeError(.noSuchSeries, scan.folder, "no series with SeriesInstanceUID \(uid)"
                                  + " (found: \(scan.series.map(\.seriesInstanceUID).joined(separator: ", ")))")
            }
            return found
        case .automatic:
            let ct = scan.series.filter { $0.headers.first?.modality == "CT" }
            let pool = ct.isEmpty ? scan.series : ct
            guard let best = pool.max(by: { a, b in
                a.headers.count != b.headers.count ? a.headers.count < b.headers.count
                    : a.seriesInstanceUID > b.seriesInstanceUID
            }) else {
                throw noSeriesError(scan)
            }
            return best
        }
    }

    static func noSeriesError(_ scan: DICOMFolderScan) -> VolumeError {
        if let first = scan.problems.first {
            let more = scan.problems.count > 1 ? " (and \(scan.problems.count - 1) more unreadable files)" : ""
            return VolumeError(first.kind, first.subject, first.reason + more)
        }
        return VolumeError(.emptyFolder, scan.folder, "empty folder: no files to read")
    }

    /// Regular files under `folder`, sorted by path; hidden files and DICOMDIR left out.
    static func listFiles(_ folder: URL) throws -> [String] {
        try checkFolder(folder)
        // A symbolic link given as the folder is followed (the walk does not follow the links
        // it meets inside, so no loops).
        guard let walker = FileManager.default.enumerator(
            at: folder.resolvingSymlinksInPath(), includingPropertiesForKeys: [.isRegularFileKey],
            options: [.skipsHiddenFiles]) else {
            throw VolumeError(.unreadable, folder.path, "cannot list the folder")
        }
        var files: [String] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
                  url.lastPathComponent.uppercased() != "DICOMDIR" else { continue }
            files.append(url.path)
        }
        return files.sorted()
    }

    /// `folder` exists and is a folder.
    static func checkFolder(_ folder: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            throw VolumeError(.notFound, folder.path, "no such file or folder")
        }
        guard isDirectory.boolValue else {
            throw VolumeError(.notFound, folder.path, "is a file, not a folder")
        }
    }
}
