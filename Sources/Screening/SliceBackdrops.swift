import Preparation
import Volumes

/// The grey lung-window images a study's pictures are drawn on, one per slice that may be
/// drawn. They are made where the volume is read (the prepare stage), so the stage that
/// draws (the cluster's reducer) needs neither the study's files nor a DICOM decoder.
public struct SliceBackdrops: Equatable, Sendable {
    public let columns: Int
    public let rows: Int
    /// Slice index → `rows × columns` grey values, row-major (0 at the window's low end, 255
    /// at its high end: `SlicePreparation.window` × 255, rounded).
    public let planes: [Int: [UInt8]]

    public init(columns: Int, rows: Int, planes: [Int: [UInt8]]) throws {
        guard columns > 0, rows > 0 else { throw ScreeningError.inconsistentInput("backdrops of \(columns) × \(rows) pixels") }
        for (k, plane) in planes where plane.count != columns * rows {
            throw ScreeningError.inconsistentInput("backdrop of slice \(k) has \(plane.count) pixels, not \(columns) × \(rows)")
        }
        self.columns = columns
        self.rows = rows
        self.planes = planes
    }

    /// The backdrops of `slices` of `volume` in the settings' window (slices outside the
    /// volume are left out).
    public init(volume: Volume, slices: [Int], settings: ScreeningSettings) {
        let low = settings.windowLowHU, high = settings.windowHighHU
        var planes: [Int: [UInt8]] = [:]
        for k in Set(slices) where k >= 0 && k < volume.size.slices {
            planes[k] = volume.slice(k).map { UInt8((SlicePreparation.window($0, low: low, high: high) * 255).rounded()) }
        }
        columns = volume.size.columns
        rows = volume.size.rows
        self.planes = planes
    }

    /// Every slice the pictures of `study` may show, whatever the classifier says: each
    /// prepared (lung) slice — positives and the overview come from these — and each slice a
    /// focal finding is measured on.
    public static func candidates(of study: PreparedStudy) -> [Int] {
        Array(Set(study.lungSlices + (study.focal?.findings.map(\.diameterSlice) ?? []))).sorted()
    }

    /// The backdrop of slice `k`; a slice without one is an error (the prepare stage did not
    /// foresee it), never a black picture.
    public func plane(_ k: Int) throws -> [UInt8] {
        guard let plane = planes[k] else {
            throw ScreeningError.inconsistentInput("no backdrop for slice \(k) (have \(planes.count) slices)")
        }
        return plane
    }
}
