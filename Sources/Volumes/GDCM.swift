import CGDCM
import Foundation

/// Header facts of one DICOM file (read without decoding the pixels).
public struct DICOMHeader: Equatable, Codable, Sendable {
    public var path: String
    public var rows: Int
    public var columns: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var pixelRepresentation: Int
    public var samplesPerPixel: Int
    public var numberOfFrames: Int
    public var rescaleSlope: Double
    public var rescaleIntercept: Double
    /// ImagePositionPatient (mm, LPS); nil when absent or malformed.
    public var position: SIMD3<Double>?
    /// ImageOrientationPatient: direction of increasing column, then of increasing row.
    public var rowDirection: SIMD3<Double>?
    public var columnDirection: SIMD3<Double>?
    /// PixelSpacing: (between columns, between rows) in mm, i.e. (x, y).
    public var pixelSpacing: SIMD2<Double>?
    public var sliceThickness: Double
    public var instanceNumber: Int
    public var modality: String
    public var patientID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var studyDate: String
    /// StudyTime (HHMMSS.FFFFFF); "" when absent.
    public var studyTime: String = ""
    public var manufacturer: String
    public var convolutionKernel: String
    public var seriesDescription: String
    public var transferSyntaxUID: String

    public var metadata: StudyMetadata {
        StudyMetadata(patientID: patientID, studyInstanceUID: studyInstanceUID,
                      seriesInstanceUID: seriesInstanceUID, studyDate: studyDate, studyTime: studyTime,
                      modality: modality, manufacturer: manufacturer,
                      convolutionKernel: convolutionKernel, seriesDescription: seriesDescription)
    }
}

/// The only Swift code calling the CGDCM shim: each call checked, each failure a VolumeError.
enum GDCM {
    static let errorLength = 512

    /// Called with the path before GDCM opens a file. Set once, before any read, by the
    /// decoder child (`DecoderService`) to name the file it dies on; nil everywhere else.
    nonisolated(unsafe) static var willRead: ((String) -> Void)?

    static func readHeader(_ path: String) throws -> DICOMHeader {
        willRead?(path)
        var h = CGDCM_Header()
        var error = [CChar](repeating: 0, count: errorLength)
        guard CGDCM_readHeader(path, &h, &error, errorLength) == 1 else {
            let reason = Self.text(error)
            if looksLikeDICOM(path) {
                throw VolumeError(.unreadable, path, "unreadable DICOM file (truncated or corrupt header): \(reason)")
            }
            throw VolumeError(.notDICOM, path, reason)
        }
        let o = h.orientation
        return DICOMHeader(
            path: path, rows: Int(h.rows), columns: Int(h.columns),
            bitsAllocated: Int(h.bitsAllocated), bitsStored: Int(h.bitsStored),
            pixelRepresentation: Int(h.pixelRepresentation), samplesPerPixel: Int(h.samplesPerPixel),
            numberOfFrames: Int(h.numberOfFrames),
            rescaleSlope: h.rescaleSlope, rescaleIntercept: h.rescaleIntercept,
            position: h.hasPosition == 1 ? SIMD3(h.position.0, h.position.1, h.position.2) : nil,
            rowDirection: h.hasOrientation == 1 ? SIMD3(o.0, o.1, o.2) : nil,
            columnDirection: h.hasOrientation == 1 ? SIMD3(o.3, o.4, o.5) : nil,
            pixelSpacing: h.hasPixelSpacing == 1 ? SIMD2(h.pixelSpacing.1, h.pixelSpacing.0) : nil,
            sliceThickness: h.sliceThickness, instanceNumber: Int(h.instanceNumber),
            modality: string(&h.modality), patientID: string(&h.patientID),
            studyInstanceUID: string(&h.studyInstanceUID), seriesInstanceUID: string(&h.seriesInstanceUID),
            sopInstanceUID: string(&h.sopInstanceUID), studyDate: string(&h.studyDate), studyTime: string(&h.studyTime),
            manufacturer: string(&h.manufacturer), convolutionKernel: string(&h.convolutionKernel),
            seriesDescription: string(&h.seriesDescription), transferSyntaxUID: string(&h.transferSyntaxUID))
    }

    /// Raw stored values of a single-frame grey image.
    static func readStoredValues(_ path: String, count: Int) throws -> [Int32] {
        willRead?(path)
        var out = [Int32](repeating: 0, count: count)
        var error = [CChar](repeating: 0, count: errorLength)
        let ok = out.withUnsafeMutableBufferPointer { p in
            CGDCM_readStoredValues(path, p.baseAddress, count, &error, errorLength)
        }
        guard ok == 1 else { throw VolumeError(.unreadable, path, Self.text(error)) }
        return out
    }

    /// Decodes one slice straight into `out` (count values) as rounded HU.
    static func readHounsfield(_ path: String, into out: UnsafeMutablePointer<Int16>, count: Int,
                               slope: Double, intercept: Double) throws {
        willRead?(path)
        var error = [CChar](repeating: 0, count: errorLength)
        var clamped = 0
        guard CGDCM_readHounsfield(path, out, count, slope, intercept, &clamped, &error, errorLength) == 1 else {
            throw VolumeError(.unreadable, path, Self.text(error))
        }
    }

    static func writeSlice(_ path: String, spec: CGDCM_SliceSpec, hu: UnsafePointer<Int16>,
                           modality: String, patientID: String, studyDate: String,
                           studyUID: String, seriesUID: String, sopUID: String,
                           description: String) throws {
        var spec = spec
        var error = [CChar](repeating: 0, count: errorLength)
        guard CGDCM_writeSlice(path, &spec, hu, modality, patientID, studyDate, studyUID, seriesUID,
                               sopUID, description, &error, errorLength) == 1 else {
            throw VolumeError(.writeFailed, path, Self.text(error))
        }
    }

    static func generateUID() -> String {
        var out = [CChar](repeating: 0, count: 80)
        guard CGDCM_generateUID(&out, 80) == 1 else { return "2.25.\(UInt64.random(in: 1...UInt64.max))" }
        return Self.text(out)
    }

    /// The text a C call wrote into a NUL-terminated buffer.
    static func text(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static var version: String { String(cString: CGDCM_version()) }

    /// "DICM" at byte 128: the file claims to be DICOM Part 10.
    static func looksLikeDICOM(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 132), data.count == 132 else { return false }
        return data.suffix(4) == Data("DICM".utf8)
    }

    private static func string<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
