import Foundation

/// One decoded DICOM image: raw stored values plus what turns them into HU.
public struct DICOMImage: Sendable {
    public var header: DICOMHeader
    /// Stored pixel values (before RescaleSlope/Intercept), rows*columns, row-major.
    public var storedValues: [Int32]
    public var rescaleSlope: Double { header.rescaleSlope }
    public var rescaleIntercept: Double { header.rescaleIntercept }

    /// Stored values through slope and intercept, rounded and clamped to Int16.
    public var hounsfieldUnits: [Int16] {
        storedValues.map { v in
            let hu = (Double(v) * rescaleSlope + rescaleIntercept).rounded()
            return Int16(max(-32768, min(32767, hu)))
        }
    }
}

/// Reading single DICOM files, whatever the transfer syntax GDCM decodes.
public enum DICOMFile {
    /// The header only (no pixel decoding). `decoder`: where GDCM runs (see `DICOMDecoder`).
    public static func readHeader(at url: URL, decoder: DICOMDecoder = .standard) throws -> DICOMHeader {
        try checkReadableFile(url)
        return try decoder.header(url)
    }

    /// Header and decoded raw stored values of a single-frame grey image. Always in-process
    /// (the stored values are for tests and tools, not for untrusted bulk input).
    public static func readImage(at url: URL) throws -> DICOMImage {
        let header = try readHeader(at: url, decoder: .inProcess)
        try checkDecodable(header)
        let values = try GDCM.readStoredValues(url.path, count: header.rows * header.columns)
        return DICOMImage(header: header, storedValues: values)
    }

    /// One file as a one-slice volume in HU. Needs no geometry: a missing position is the
    /// origin, a missing orientation the identity, missing spacing 1 mm; the slice spacing
    /// is SliceThickness (1 mm when absent). `decoder`: where GDCM runs (see `DICOMDecoder`).
    public static func readVolume(at url: URL, decoder: DICOMDecoder = .standard) throws -> Volume {
        try checkReadableFile(url)
        return try decoder.readFile(url)
    }

    static func readVolumeInProcess(at url: URL) throws -> Volume {
        let image = try readImage(at: url)
        let h = image.header
        let spacing = h.pixelSpacing ?? [1, 1]
        let row = h.rowDirection ?? [1, 0, 0], col = h.columnDirection ?? [0, 1, 0]
        let geometry = Geometry(spacing: [spacing.x, spacing.y, h.sliceThickness > 0 ? h.sliceThickness : 1],
                                origin: h.position ?? .zero, rowDirection: row, columnDirection: col,
                                sliceDirection: cross(row, col))
        return Volume(size: VolumeSize(columns: h.columns, rows: h.rows, slices: 1), geometry: geometry,
                      metadata: h.metadata, voxels: image.hounsfieldUnits)
    }

    static func checkReadableFile(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw VolumeError(.notFound, url.path, "no such file or folder")
        }
        guard !isDirectory.boolValue else {
            throw VolumeError(.notDICOM, url.path, "is a folder, not a DICOM file")
        }
    }

    /// Refuses what the slice decoder cannot turn into one grey plane.
    static func checkDecodable(_ h: DICOMHeader) throws {
        guard h.rows > 0, h.columns > 0 else {
            throw VolumeError(.unsupportedImage, h.path, "no image (Rows/Columns missing)")
        }
        guard h.samplesPerPixel == 1 else {
            throw VolumeError(.unsupportedImage, h.path, "colour image (\(h.samplesPerPixel) samples per pixel)")
        }
        guard h.numberOfFrames <= 1 else {
            throw VolumeError(.unsupportedImage, h.path, "multi-frame image (\(h.numberOfFrames) frames)")
        }
    }
}

@inlinable func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

@inlinable func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
