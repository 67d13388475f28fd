import Foundation

/// What `ctscreen inspect` reports about one series or volume: its header fields
/// (`SeriesSummary`, read through as `inspection.modality` etc.; flat in JSON) and what
/// decoding it showed.
@dynamicMemberLookup
public struct SeriesInspection: Codable, Equatable, Sendable {
    public var source: String
    public var header: SeriesSummary
    /// Present when the series could be decoded.
    public var size: VolumeSize?
    public var geometry: Geometry?
    public var huMin: Int?
    public var huMax: Int?
    public var valid: Bool
    /// "valid" or the reason it is not.
    public var verdict: String
    public var errorKind: VolumeError.Kind?

    public init(source: String, header: SeriesSummary) {
        self.source = source
        self.header = header
        valid = false
        verdict = ""
    }

    public subscript<T>(dynamicMember field: KeyPath<SeriesSummary, T>) -> T { header[keyPath: field] }

    private enum CodingKeys: String, CodingKey { case source, size, geometry, huMin, huMax, valid, verdict, errorKind }

    public init(from decoder: Decoder) throws {
        header = try SeriesSummary(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        size = try c.decodeIfPresent(VolumeSize.self, forKey: .size)
        geometry = try c.decodeIfPresent(Geometry.self, forKey: .geometry)
        huMin = try c.decodeIfPresent(Int.self, forKey: .huMin)
        huMax = try c.decodeIfPresent(Int.self, forKey: .huMax)
        valid = try c.decode(Bool.self, forKey: .valid)
        verdict = try c.decode(String.self, forKey: .verdict)
        errorKind = try c.decodeIfPresent(VolumeError.Kind.self, forKey: .errorKind)
    }

    public func encode(to encoder: Encoder) throws {
        try header.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encodeIfPresent(size, forKey: .size)
        try c.encodeIfPresent(geometry, forKey: .geometry)
        try c.encodeIfPresent(huMin, forKey: .huMin)
        try c.encodeIfPresent(huMax, forKey: .huMax)
        try c.encode(valid, forKey: .valid)
        try c.encode(verdict, forKey: .verdict)
        try c.encodeIfPresent(errorKind, forKey: .errorKind)
    }
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
        var result = SeriesInspection(source: (s.firstFile as NSString).deletingLastPathComponent, header: s)
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
        let header = SeriesSummary(seriesInstanceUID: "", studyInstanceUID: "", patientID: "", modality: "", studyDate: "",
                                   manufacturer: "", convolutionKernel: "", seriesDescription: url.lastPathComponent,
                                   transferSyntaxUID: "", fileCount: 1, rows: 0, columns: 0, firstFile: url.path)
        var result = SeriesInspection(source: url.path, header: header)
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
        result.header.rows = volume.size.rows
        result.header.columns = volume.size.columns
        var lo = Int16.max, hi = Int16.min
        volume.voxels.withUnsafeBufferPointer { p in
            for v in p { lo = min(lo, v); hi = max(hi, v) }
        }
        result.huMin = Int(lo)
        result.huMax = Int(hi)
    }
}
