import Foundation
import Screening

/// How study ids are made. An id names *what a study is*, never where it was found, so two
/// sites' `…/CT` folders get two ids and the same series found under two paths gets one:
///
/// - DICOM: identity `dicom:<StudyInstanceUID>|<SeriesInstanceUID>`; a series without a
///   SeriesInstanceUID (some anonymisers strip it) falls back to its content,
///   `dicom-content:sha256:<digest of the sorted file digests>`.
/// - NIfTI (no UIDs): identity `nifti:sha256:<digest of the file's bytes>`.
/// - id = `dcm-` or `nii-` + the first 20 hex digits (80 bits) of SHA-256(identity): at a
///   million studies the chance that any two share an id is about 4·10⁻¹³, and a claim
///   compares the full identity anyway (a clash is refused, never merged).
///
/// The readable label (folder or file name) travels beside the id; output folders are
/// `<label>--<id>` so humans still find studies by name.
public enum StudyIDs {
    static let hexDigits = 20

    public struct Named: Equatable, Sendable {
        public var studyID: String
        public var identity: String
    }

    public static func dicom(studyUID: String, seriesUID: String) -> Named {
        named(kind: "dcm", identity: "dicom:\(studyUID)|\(seriesUID)")
    }

    /// A DICOM series without a SeriesInstanceUID: named by its files' content (order-free).
    public static func dicomContent(files: [String]) throws -> Named {
        let digests = try files.map { try SHA256.hexDigest(ofFile: $0) }.sorted()
        let combined = SHA256.hexDigest(of: Data(digests.joined(separator: "\n").utf8))
        return named(kind: "dcm", identity: "dicom-content:sha256:\(combined)")
    }

    public static func nifti(file: String) throws -> Named {
        named(kind: "nii", identity: "nifti:sha256:\(try SHA256.hexDigest(ofFile: file))")
    }

    static func named(kind: String, identity: String) -> Named {
        let digest = SHA256.hexDigest(of: Data(identity.utf8))
        return Named(studyID: "\(kind)-\(digest.prefix(hexDigits))", identity: identity)
    }

    /// The output folder of one attempt: `<label>--<id>`, `<label>--<id>--a<k>` from the
    /// second attempt on (a new attempt never overwrites a report someone may have read);
    /// just the id when there is no label. Labels are mapped into the id alphabet again, so
    /// no message can steer a path.
    public static func folderName(studyID: String, label: String?, attempt: Int) -> String {
        let base: String
        if let label, !label.isEmpty { base = "\(StudyDiscovery.safeID(label))--\(studyID)" } else { base = studyID }
        return attempt > 1 ? "\(base)--a\(attempt)" : base
    }
}
