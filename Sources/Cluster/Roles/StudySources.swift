import Foundation
import Screening
import Volumes

/// Reads the volume a study descriptor names. The coordinator reads it to prepare slices;
/// the reducer reads it again for the pictures and NIfTI volumes (sources are paths every
/// process can see, e.g. a shared volume).
public protocol StudyReading: Sendable {
    func read(_ sources: [String]) throws -> Volume
}

/// Sources as `submit` writes them: one entry, a NIfTI file (.nii, .nii.gz), a DICOM
/// folder (the series is picked automatically), or `FOLDER#series=UID` for one series of a
/// folder that holds several.
public struct FileStudyReader: StudyReading {
    public static let seriesMarker = "#series="

    public init() {}

    public func read(_ sources: [String]) throws -> Volume {
        guard let source = sources.first else { throw ClusterError(.invalidArgument, "study has no sources") }
        if let range = source.range(of: Self.seriesMarker, options: .backwards) {
            let folder = String(source[..<range.lowerBound]), uid = String(source[range.upperBound...])
            return try DICOMSeriesReader.read(URL(fileURLWithPath: folder), selection: .uid(uid))
        }
        return try StudyFile.read(source)
    }
}

/// Finds the studies under the paths given to `submit`: each NIfTI file is one study, each
/// DICOM series (grouped by SeriesInstanceUID) is one study. Ids come from what the study is
/// (`StudyIDs`), labels from where it was found.
public enum StudyDiscovery {
    public struct Found: Equatable, Sendable {
        public var studyID: String
        /// The full identity the id is a hash of (`StudyIDs`).
        public var identity: String
        /// Folder or file name (mapped into the id alphabet): for people, not unique.
        public var label: String
        public var source: String
        public var patientID: String?
        public var acquired: String?
    }

    /// A path given to `submit` that yielded no study, and why (for one error line).
    public struct Unusable: Equatable, Sendable {
        public var path: String
        public var reason: String
    }

    /// `recursive`: also look for NIfTI files in subfolders (DICOM scans are always recursive).
    /// A series found twice (two paths, or a copy in another folder) is listed once, under its
    /// first path.
    public static func find(_ paths: [String], recursive: Bool) throws -> [Found] {
        try discover(paths, recursive: recursive).found
    }

    /// As `find`, and also every folder that yielded no study (empty, or no file readable as
    /// DICOM and no NIfTI file), with the reason: how many files, and the first file's problem.
    public static func discover(_ paths: [String], recursive: Bool) throws -> (found: [Found], unusable: [Unusable]) {
        var found: [Found] = []
        var unusable: [Unusable] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ClusterError(.invalidArgument, "\(path): no such file or folder")
            }
            let url = URL(fileURLWithPath: path).standardizedFileURL
            let before = found.count
            if !isDirectory.boolValue {
                found.append(try nifti(url))
                continue
            }
            if recursive, let walker = fm.enumerator(atPath: url.path) {
                for case let rel as String in walker where StudyFile.isNIfTI(rel) {
                    found.append(try nifti(url.appendingPathComponent(rel)))
                }
            }
            let scan = try DICOMFolder.scan(url)
            let folders = scan.series.map { commonFolder($0.headers.map(\.path)) ?? url.path }
            for (series, folder) in zip(scan.series, folders) {
                // Reading a folder scans its whole subtree: name the series if it has company.
                let shared = scan.series.contains { other in
                    other.seriesInstanceUID != series.seriesInstanceUID
                        && other.headers.contains { $0.path.hasPrefix(folder + "/") }
                }
                let name = URL(fileURLWithPath: folder).lastPathComponent
                let h = series.headers.first
                let uid = h?.seriesInstanceUID ?? ""
                let named = uid.isEmpty ? try StudyIDs.dicomContent(files: series.headers.map(\.path))
                                        : StudyIDs.dicom(studyUID: h?.studyInstanceUID ?? "", seriesUID: uid)
                found.append(Found(studyID: named.studyID, identity: named.identity,
                                   label: safeID(shared ? "\(name)-\(series.seriesInstanceUID)" : name),
                                   source: shared ? folder + FileStudyReader.seriesMarker + series.seriesInstanceUID : folder,
                                   patientID: h?.patientID, acquired: h?.studyDate))
            }
            if found.count == before {
                unusable.append(Unusable(path: path, reason: noStudyReason(scan, recursive: recursive)))
            }
        }
        return (try unique(found), unusable)
    }

    static func noStudyReason(_ scan: DICOMFolderScan, recursive: Bool) -> String {
        let nifti = recursive ? "NIfTI file" : "NIfTI file (subfolders not searched without --recursive)"
        guard let first = scan.problems.first else {
            return scan.copies.isEmpty ? "no study: empty folder (no files to read)"
                : "no study: only \(scan.copies.count) duplicate DICOM files"
        }
        let n = scan.problems.count
        return "no study: \(n) file\(n == 1 ? "" : "s") not readable as DICOM and no \(nifti); first: \(first)"
    }

    /// One entry per id; two identities under one id (a hash collision) is refused.
    static func unique(_ found: [Found]) throws -> [Found] {
        var first: [String: Found] = [:]
        var out: [Found] = []
        for f in found {
            if let earlier = first[f.studyID] {
                guard earlier.identity == f.identity else {
                    throw ClusterError(.studyIDClash, "study id \(f.studyID) would name two series: \(earlier.source) "
                                       + "(\(earlier.identity)) and \(f.source) (\(f.identity)); neither was submitted")
                }
                continue
            }
            first[f.studyID] = f
            out.append(f)
        }
        return out
    }

    static func nifti(_ file: URL) throws -> Found {
        let named = try StudyIDs.nifti(file: file.path)
        return Found(studyID: named.studyID, identity: named.identity, label: safeID(StudyFile.name(of: file.path)), source: file.path)
    }



    /// Maps a name into the id alphabet (A–Z a–z 0–9 . _ -), at most 128 characters.
    public static func safeID(_ name: String) -> String {
        let mapped = String(name.unicodeScalars.map { Keys.idAlphabet.contains($0) ? Character($0) : "_" })
        let trimmed = String(mapped.suffix(128))
        return trimmed.isEmpty ? "study" : trimmed
    }

    static func commonFolder(_ files: [String]) -> String? {
        let folders = files.map { ($0 as NSString).deletingLastPathComponent }
        guard var common = folders.first?.split(separator: "/", omittingEmptySubsequences: false) else { return nil }
        for f in folders.dropFirst() {
            let parts = f.split(separator: "/", omittingEmptySubsequences: false)
            var n = 0
            while n < common.count, n < parts.count, common[n] == parts[n] { n += 1 }
            common = Array(common.prefix(n))
        }
        let path = common.joined(separator: "/")
        return path.isEmpty ? nil : path
    }
}
