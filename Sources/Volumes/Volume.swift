/// A CT volume in Hounsfield units with the geometry needed to place every voxel in
/// patient space (DICOM LPS, millimetres).
///
/// Axis order: `voxels[(slice * rows + row) * columns + column]`. Slices are sorted by their
/// position along the slice normal, ascending. `row` runs along the column cosine of
/// ImageOrientationPatient, `column` along the row cosine (DICOM convention).
public struct Volume: Sendable {
    public var size: VolumeSize
    public var geometry: Geometry
    public var metadata: StudyMetadata
    /// Hounsfield units, `size.count` values in the axis order above.
    public var voxels: [Int16]

    public init(size: VolumeSize, geometry: Geometry, metadata: StudyMetadata, voxels: [Int16]) {
        precondition(voxels.count == size.count, "voxel count \(voxels.count) != \(size.count)")
        self.size = size
        self.geometry = geometry
        self.metadata = metadata
        self.voxels = voxels
    }

    @inlinable public func index(slice: Int, row: Int, column: Int) -> Int {
        (slice * size.rows + row) * size.columns + column
    }

    @inlinable public subscript(slice: Int, row: Int, column: Int) -> Int16 {
        get { voxels[index(slice: slice, row: row, column: column)] }
        set { voxels[index(slice: slice, row: row, column: column)] = newValue }
    }

    /// The voxels of one slice, `rows * columns` values, row-major.
    public func slice(_ k: Int) -> ArraySlice<Int16> {
        let n = size.sliceCount
        return voxels[(k * n)..<((k + 1) * n)]
    }
}

public struct VolumeSize: Equatable, Hashable, Codable, Sendable {
    public var columns: Int
    public var rows: Int
    public var slices: Int
    public init(columns: Int, rows: Int, slices: Int) {
        self.columns = columns
        self.rows = rows
        self.slices = slices
    }
    public var sliceCount: Int { columns * rows }
    public var count: Int { columns * rows * slices }
}

/// Where the voxel grid sits in patient space (DICOM LPS, mm).
public struct Geometry: Equatable, Codable, Sendable {
    /// Spacing along (column, row, slice) in mm; the slice spacing comes from the slice
    /// positions, not from SliceThickness.
    public var spacing: SIMD3<Double>
    /// Patient position of voxel (slice 0, row 0, column 0): ImagePositionPatient of slice 0.
    public var origin: SIMD3<Double>
    /// Unit vectors of increasing column, increasing row and increasing slice index.
    public var rowDirection: SIMD3<Double>
    public var columnDirection: SIMD3<Double>
    public var sliceDirection: SIMD3<Double>

    public init(spacing: SIMD3<Double>, origin: SIMD3<Double>,
                rowDirection: SIMD3<Double> = [1, 0, 0],
                columnDirection: SIMD3<Double> = [0, 1, 0],
                sliceDirection: SIMD3<Double> = [0, 0, 1]) {
        self.spacing = spacing
        self.origin = origin
        self.rowDirection = rowDirection
        self.columnDirection = columnDirection
        self.sliceDirection = sliceDirection
    }

    /// Volume of one voxel in mm³.
    public var voxelVolume: Double { spacing.x * spacing.y * spacing.z }

    /// Patient position (mm) of a voxel index (continuous indices allowed).
    public func position(column: Double, row: Double, slice: Double) -> SIMD3<Double> {
        origin + rowDirection * (column * spacing.x) + columnDirection * (row * spacing.y)
            + sliceDirection * (slice * spacing.z)
    }
}

/// Identity and acquisition facts of a study, taken from the DICOM header.
public struct StudyMetadata: Equatable, Codable, Sendable {
    public var patientID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var studyDate: String
    /// StudyTime (HHMMSS.FFFFFF); "" when absent or not DICOM.
    public var studyTime: String
    public var modality: String
    public var manufacturer: String
    public var convolutionKernel: String
    public var seriesDescription: String

    public init(patientID: String = "", studyInstanceUID: String = "",
                seriesInstanceUID: String = "", studyDate: String = "", studyTime: String = "",
                modality: String = "CT", manufacturer: String = "",
                convolutionKernel: String = "", seriesDescription: String = "") {
        self.patientID = patientID
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.studyDate = studyDate
        self.studyTime = studyTime
        self.modality = modality
        self.manufacturer = manufacturer
        self.convolutionKernel = convolutionKernel
        self.seriesDescription = seriesDescription
    }

    private enum CodingKeys: String, CodingKey {
        case patientID, studyInstanceUID, seriesInstanceUID, studyDate, studyTime, modality, manufacturer
        case convolutionKernel, seriesDescription
    }

    /// `studyTime` may be absent (metadata written before it was read).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(patientID: try c.decode(String.self, forKey: .patientID),
                  studyInstanceUID: try c.decode(String.self, forKey: .studyInstanceUID),
                  seriesInstanceUID: try c.decode(String.self, forKey: .seriesInstanceUID),
                  studyDate: try c.decode(String.self, forKey: .studyDate),
                  studyTime: try c.decodeIfPresent(String.self, forKey: .studyTime) ?? "",
                  modality: try c.decode(String.self, forKey: .modality),
                  manufacturer: try c.decode(String.self, forKey: .manufacturer),
                  convolutionKernel: try c.decode(String.self, forKey: .convolutionKernel),
                  seriesDescription: try c.decode(String.self, forKey: .seriesDescription))
    }
}
