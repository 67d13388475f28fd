import CGDCM
import Foundation

/// Everything written into one synthetic CT slice besides its pixels.
public struct DICOMSliceSpec: Sendable {
    public var rows: Int
    public var columns: Int
    /// (x, y): between columns, between rows (mm). Written as PixelSpacing (y\x).
    public var pixelSpacing: SIMD2<Double>
    /// ImagePositionPatient of the first pixel (mm, LPS).
    public var position: SIMD3<Double>
    public var rowDirection: SIMD3<Double>
    public var columnDirection: SIMD3<Double>
    public var sliceThickness: Double
    /// Stored signed value = HU - intercept (slope 1).
    public var rescaleIntercept: Double
    public var instanceNumber: Int
    public var modality: String
    public var patientID: String
    public var studyDate: String
    /// Empty UIDs are generated (gdcm::UIDGenerator).
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var seriesDescription: String

    public init(rows: Int, columns: Int, pixelSpacing: SIMD2<Double>, position: SIMD3<Double>,
                rowDirection: SIMD3<Double> = [1, 0, 0], columnDirection: SIMD3<Double> = [0, 1, 0],
                sliceThickness: Double, rescaleIntercept: Double = -1024, instanceNumber: Int = 1,
                modality: String = "CT", patientID: String = "", studyDate: String = "",
                studyInstanceUID: String = "", seriesInstanceUID: String = "",
                sopInstanceUID: String = "", seriesDescription: String = "") {
        self.rows = rows
        self.columns = columns
        self.pixelSpacing = pixelSpacing
        self.position = position
        self.rowDirection = rowDirection
        self.columnDirection = columnDirection
        self.sliceThickness = sliceThickness
        self.rescaleIntercept = rescaleIntercept
        self.instanceNumber = instanceNumber
        self.modality = modality
        self.patientID = patientID
        self.studyDate = studyDate
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopInstanceUID = sopInstanceUID
        self.seriesDescription = seriesDescription
    }
}

/// Writes synthetic CT series (phantoms, test inputs): one Explicit VR Little Endian file
/// per slice, signed 16-bit stored values with RescaleIntercept −1024 and slope 1.
public enum DICOMWriter {
    /// Writes one slice; `hu` holds rows*columns values, row-major.
    public static func writeSlice(_ hu: [Int16], spec: DICOMSliceSpec, to url: URL) throws {
        guard hu.count == spec.rows * spec.columns else {
            throw VolumeError(.writeFailed, url.path,
                              "\(hu.count) pixels given for \(spec.rows)x\(spec.columns)")
        }
        try hu.withUnsafeBufferPointer { p in
            try write(p.baseAddress!, spec: spec, to: url)
        }
    }

    /// Writes `volume` as one file per slice (`slice-0001.dcm` ...) into `folder` (created
    /// if needed). Study/series UIDs come from the metadata or are generated once. Slice k
    /// sits at `positions[k]` when given (to build uneven or duplicate series on purpose),
    /// else at the volume geometry's position of slice k. Returns the files written.
    @discardableResult
    public static func writeSeries(_ volume: Volume, to folder: URL,
                                   positions: [SIMD3<Double>]? = nil) throws -> [URL] {
        let size = volume.size
        let g = volume.geometry
        if let positions, positions.count != size.slices {
            throw VolumeError(.writeFailed, folder.path, "\(positions.count) positions for \(size.slices) slices")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw VolumeError(.writeFailed, folder.path, "cannot create the folder: \(error.localizedDescription)")
        }
        let m = volume.metadata
        let study = m.studyInstanceUID.isEmpty ? generateUID() : m.studyInstanceUID
        let series = m.seriesInstanceUID.isEmpty ? generateUID() : m.seriesInstanceUID
        var urls: [URL] = []
        urls.reserveCapacity(size.slices)
        try volume.voxels.withUnsafeBufferPointer { all in
            for k in 0..<size.slices {
                let spec = DICOMSliceSpec(
                    rows: size.rows, columns: size.columns, pixelSpacing: SIMD2(g.spacing.x, g.spacing.y),
                    position: positions?[k] ?? g.position(column: 0, row: 0, slice: Double(k)),
                    rowDirection: g.rowDirection, columnDirection: g.columnDirection,
                    sliceThickness: g.spacing.z, instanceNumber: k + 1,
                    modality: m.modality.isEmpty ? "CT" : m.modality, patientID: m.patientID,
                    studyDate: m.studyDate, studyInstanceUID: study, seriesInstanceUID: series,
                    seriesDescription: m.seriesDescription)
                let url = folder.appendingPathComponent(String(format: "slice-%04d.dcm", k + 1))
                try write(all.baseAddress! + k * size.sliceCount, spec: spec, to: url)
                urls.append(url)
            }
        }
        return urls
    }

    /// A new unique DICOM UID.
    public static func generateUID() -> String { GDCM.generateUID() }

    private static func write(_ hu: UnsafePointer<Int16>, spec: DICOMSliceSpec, to url: URL) throws {
        var c = CGDCM_SliceSpec()
        c.rows = Int32(spec.rows)
        c.columns = Int32(spec.columns)
        c.pixelSpacing = (spec.pixelSpacing.y, spec.pixelSpacing.x)
        c.position = (spec.position.x, spec.position.y, spec.position.z)
        let r = spec.rowDirection, col = spec.columnDirection
        c.orientation = (r.x, r.y, r.z, col.x, col.y, col.z)
        c.sliceThickness = spec.sliceThickness
        c.rescaleIntercept = spec.rescaleIntercept
        c.instanceNumber = Int32(spec.instanceNumber)
        try GDCM.writeSlice(url.path, spec: c, hu: hu, modality: spec.modality, patientID: spec.patientID,
                            studyDate: spec.studyDate, studyUID: spec.studyInstanceUID,
                            seriesUID: spec.seriesInstanceUID, sopUID: spec.sopInstanceUID,
                            description: spec.seriesDescription)
    }
}
