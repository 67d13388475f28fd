import Foundation

/// What `ctscreen inspect` reports about one series or volume.
public struct SeriesInspection: Codable, Equatable, Sendable {
    public var source: String
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
    /// Present when the series could be decoded.
    public var size: VolumeSize?
    public var geometry: Geometry?
    public var huMin: Int?
    public var huMax: Int?
    public var valid: Bool
    /// "valid" or the reason it is not.
    public var verdict: String
    public var errorKind: VolumeError.Kind?
}

/// The inspection of a path: a series folder, a folder of series, a DICOM file or a NIfTI file.
public struct InspectionReport: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case dicomFolder, dicomFile, nifti }
    public var path: String
    public var kind: Kind
    public var series: [SeriesInspection]
    /// Files that could not be read, each "path: reason".
    public var problems: [String]
    /// Files left out as copies of an image already listed (same series and SOPInstanceUID).
    public var copies: [String] = []
    public var validCount: Int { series.filter(\.valid).count }
}

public enum Inspector {
    /// Inspects `url`; throws only when the path itself is missing or unusable.
    public static func inspect(_ url: URL, rules: SeriesRules = SeriesRules()) throws -> InspectionReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw VolumeError(.notFound, url.path, "no such file or folder")
        }
        if !isDirectory.boolValue && StudyFile.isNIfTI(url.path) {
            return InspectionReport(path: url.path, kind: .nifti, series: [inspectNIfTI(url, rules: rules)], problems: [])
        }
        if !isDirectory.boolValue {
            return InspectionReport(path: url.path, kind: .dicomFile, series: [try inspectFile(url, rules: rules)],
                                    problems: [])
        }
        let scan = try DICOMFolder.scan(url)
        var problems = scan.problems.map(\.description)
        if scan.series.isEmpty && problems.isEmpty { problems.append(DICOMFolder.noSeriesError(scan).description) }
        return InspectionReport(path: url.path, kind: .dicomFolder,
                                series: scan.series.map { inspect($0, rules: rules) }, problems: problems,
                                copies: scan.copies)
    }

    /// Validates and decodes one series (one at a time, so memory stays at one volume).
    public static func inspect(_ series: DICOMSeries, rules: SeriesRules = SeriesRules()) -> SeriesInspection {
        let s = series.summary
        var result = SeriesInspection(
            source: (s.firstFile as NSString).deletingLastPathComponent, seriesInstanceUID: s.seriesInstanceUID,
            studyInstanceUID: s.studyInstanceUID, patientID: s.patientID, modality: s.modality,
            studyDate: s.studyDate, manufacturer: s.manufacturer, convolutionKernel: s.convolutionKernel,
            seriesDescription: s.seriesDescription, transferSyntaxUID: s.transferSyntaxUID,
            fileCount: s.fileCount, valid: false, verdict: "")
        do {
            let volume = try DICOMSeriesReader.read(series, rules: rules)
            fill(&result, volume)
            result.valid = true
            result.verdict = "valid"
        } catch {
            record(error, in: &result)
        }
        return result
    }

    /// An error's verdict (and kind, for the volume errors).
    static func record(_ error: Error, in result: inout SeriesInspection) {
        result.verdict = (error as? VolumeError)?.description ?? "\(error)"
        result.errorKind = (error as? VolumeError)?.kind
    }

    static func inspectFile(_ url: URL, rules: SeriesRules) throws -> SeriesInspection {
        let header = try DICOMFile.readHeader(at: url)
        var result = inspect(DICOMSeries(seriesInstanceUID: header.seriesInstanceUID, headers: [header]), rules: rules)
        result.source = url.path
        if result.size == nil {
            // Validation stopped before decoding: decode the file alone, and report a
            // decoding failure first (it is the more fundamental one).
            do {
                fill(&result, try DICOMFile.readVolume(at: url))
            } catch let error as VolumeError {
                result.verdict = error.description
                result.errorKind = error.kind
            }
        }
        return result
    }

    static func inspectNIfTI(_ url: URL, rules: SeriesRules) -> SeriesInspection {
        var result = SeriesInspection(
            source: url.path, seriesInstanceUID: "", studyInstanceUID: "", patientID: "", modality: "",
            studyDate: "", manufacturer: "", convolutionKernel: "", seriesDescription: url.lastPathComponent,
            transferSyntaxUID: "", fileCount: 1, valid: false, verdict: "")
        do {
            let volume = try NIfTI.read(at: url)
            fill(&result, volume)
            if volume.size.slices < rules.minimumSlices {
                result.verdict = VolumeError(.tooFewSlices, url.path, "\(volume.size.slices) slices, fewer than the "
                                             + "\(rules.minimumSlices) needed for a CT study").description
                result.errorKind = .tooFewSlices
            } else {
                result.valid = true
                result.verdict = "valid (NIfTI carries no modality: assumed CT)"
            }
        } catch {
            record(error, in: &result)
        }
        return result
    }

    private static func fill(_ result: inout SeriesInspection, _ volume: Volume) {
        result.size = volume.size
        result.geometry = volume.geometry
        var lo = Int16.max, hi = Int16.min
        volume.voxels.withUnsafeBufferPointer { p in
            for v in p { lo = min(lo, v); hi = max(hi, v) }
        }
        result.huMin = Int(lo)
        result.huMax = Int(hi)
    }
}
