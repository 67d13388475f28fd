import Foundation

/// What a study path names — a NIfTI file (.nii, .nii.gz, any case) or a DICOM series
/// (a folder, or one file of it) — decided here once, for every reader and namer.
public enum StudyFile {
    static let niftiSuffixes = [".nii.gz", ".nii"]

    /// Whether the file name ends in .nii or .nii.gz (any case).
    public static func isNIfTI(_ path: String) -> Bool {
        let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
        return niftiSuffixes.contains { name.hasSuffix($0) }
    }

    /// The last path component without .nii / .nii.gz.
    public static func name(of path: String) -> String {
        var name = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        for suffix in niftiSuffixes where name.lowercased().hasSuffix(suffix) {
            name.removeLast(suffix.count)
            break
        }
        return name
    }

    /// Reads the study at `path`: the NIfTI file, or the DICOM series of the folder.
    public static func read(_ path: String) throws -> Volume {
        let url = URL(fileURLWithPath: path)
        return isNIfTI(path) ? try NIfTI.read(at: url) : try DICOMSeriesReader.read(url)
    }
}
