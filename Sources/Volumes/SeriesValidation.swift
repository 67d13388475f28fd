import Foundation

/// Limits a DICOM series must meet to become a Volume.
public struct SeriesRules: Sendable, Equatable, Codable {
    /// Fewer slices than this is not a chest CT study.
    public var minimumSlices = 10
    /// Accepted modalities (Modality 0008,0060).
    public var modalities: Set<String> = ["CT"]
    /// A gap between neighbouring slices may differ from the median gap by at most
    /// max(`spacingToleranceMM`, `spacingToleranceFraction` × median gap): 0.01 mm or 1 %.
    public var spacingToleranceMM = 0.01
    public var spacingToleranceFraction = 0.01
    /// Two slices closer than this along the normal (mm) are duplicates.
    public var duplicateToleranceMM = 0.001
    /// Largest in-plane drift of the slice positions (mm); larger means gantry tilt or a
    /// sheared series, which the regular grid cannot represent.
    public var inPlaneToleranceMM = 0.1
    /// Largest difference between direction cosines or pixel spacings of two slices.
    public var orientationTolerance = 1e-4

    public init() {}
}

/// A validated series: headers sorted by position along the slice normal, ascending, and
/// the grid they form.
public struct SeriesLayout: Sendable {
    public var headers: [DICOMHeader]
    public var size: VolumeSize
    public var geometry: Geometry
    public var metadata: StudyMetadata
}

public enum SeriesValidator {
    /// Checks modality, slice count, geometry and sizes; sorts the slices along the normal
    /// (normal = row cosine × column cosine of ImageOrientationPatient).
    public static func validate(_ series: DICOMSeries, rules: SeriesRules = SeriesRules()) throws -> SeriesLayout {
        let name = "series \(series.seriesInstanceUID)"
        guard let first = series.headers.first else {
            throw VolumeError(.emptyFolder, name, "series has no files")
        }
        for h in series.headers where !rules.modalities.contains(h.modality) {
            let found = h.modality.isEmpty ? "no Modality" : "modality \(h.modality)"
            throw VolumeError(.notCT, h.path, "not CT (\(found)); expected \(rules.modalities.sorted().joined(separator: "/"))")
        }
        guard series.headers.count >= rules.minimumSlices else {
            throw VolumeError(.tooFewSlices, name, "\(series.headers.count) slice\(series.headers.count == 1 ? "" : "s"), fewer than the "
                              + "\(rules.minimumSlices) needed for a CT study (first file \(first.path))")
        }
        for h in series.headers {
            try DICOMFile.checkDecodable(h)
            guard h.position != nil else {
                throw VolumeError(.missingGeometry, h.path, "missing or malformed ImagePositionPatient (0020,0032)")
            }
            guard h.rowDirection != nil else {
                throw VolumeError(.missingGeometry, h.path, "missing or malformed ImageOrientationPatient (0020,0037)")
            }
            guard h.pixelSpacing != nil else {
                throw VolumeError(.missingGeometry, h.path, "missing or malformed PixelSpacing (0028,0030)")
            }
            guard h.rows == first.rows, h.columns == first.columns else {
                throw VolumeError(.inconsistentSize, h.path, "\(h.rows)x\(h.columns) pixels (rows x columns) but "
                                  + "\(first.path) has \(first.rows)x\(first.columns)")
            }
        }
        let row = first.rowDirection!, col = first.columnDirection!, px = first.pixelSpacing!
        for h in series.headers {
            let tol = rules.orientationTolerance
            guard maxAbs(h.rowDirection! - row) <= tol, maxAbs(h.columnDirection! - col) <= tol else {
                throw VolumeError(.inconsistentGeometry, h.path, "ImageOrientationPatient differs from \(first.path)")
            }
            guard abs(h.pixelSpacing!.x - px.x) <= tol, abs(h.pixelSpacing!.y - px.y) <= tol else {
                throw VolumeError(.inconsistentGeometry, h.path, "PixelSpacing differs from \(first.path)")
            }
        }
        let normalRaw = cross(row, col)
        let normalLength = (normalRaw * normalRaw).sum().squareRoot()
        guard normalLength > 0.5 else {
            throw VolumeError(.inconsistentGeometry, first.path, "ImageOrientationPatient cosines are not orthogonal unit vectors")
        }
        let normal = normalRaw / normalLength
        let sorted = series.headers.map { ($0, dot($0.position!, normal)) }.sorted { $0.1 < $1.1 }
        var gaps: [Double] = []
        for i in 1..<sorted.count {
            let gap = sorted[i].1 - sorted[i - 1].1
            if gap < rules.duplicateToleranceMM {
                throw VolumeError(.duplicatePositions, sorted[i].0.path, "same position along the slice normal "
                                  + "(\(format(sorted[i].1)) mm) as \(sorted[i - 1].0.path)")
            }
            gaps.append(gap)
        }
        let median = gaps.sorted()[gaps.count / 2]
        let tolerance = max(rules.spacingToleranceMM, rules.spacingToleranceFraction * median)
        for (i, gap) in gaps.enumerated() where abs(gap - median) > tolerance {
            throw VolumeError(.unevenSpacing, name, "uneven slice spacing: \(format(gap)) mm between "
                              + "\(sorted[i].0.path) and \(sorted[i + 1].0.path), median \(format(median)) mm, "
                              + "tolerance \(format(tolerance)) mm (missing or extra slice?)")
        }
        let origin = sorted[0].0.position!
        for (h, along) in sorted {
            let drift = h.position! - origin - normal * (along - sorted[0].1)
            let size = (drift * drift).sum().squareRoot()
            if size > rules.inPlaneToleranceMM {
                throw VolumeError(.inconsistentGeometry, h.path, "slice position drifts \(format(size)) mm in-plane "
                                  + "from the first slice (gantry tilt or sheared series: not supported)")
            }
        }
        let sliceSpacing = (sorted[sorted.count - 1].1 - sorted[0].1) / Double(sorted.count - 1)
        let geometry = Geometry(spacing: [px.x, px.y, sliceSpacing], origin: origin,
                                rowDirection: row, columnDirection: col, sliceDirection: normal)
        var metadata = first.metadata
        metadata.seriesInstanceUID = series.seriesInstanceUID.hasPrefix("(") ? "" : series.seriesInstanceUID
        return SeriesLayout(headers: sorted.map(\.0),
                            size: VolumeSize(columns: first.columns, rows: first.rows, slices: sorted.count),
                            geometry: geometry, metadata: metadata)
    }

    private static func maxAbs(_ v: SIMD3<Double>) -> Double { max(abs(v.x), abs(v.y), abs(v.z)) }
}

func format(_ x: Double) -> String { String(format: "%.4g", x) }
