import Foundation
import Opacities
import Preparation
import Volumes

/// Files written for one study into its output folder:
///   report.json             the report (Protocols/report.schema.json)
///   localization.nii.gz     the fused Grad-CAM volume, Float32, input grid and affine
///   lung-mask.nii.gz        the lung mask, UInt8, input grid and affine
///   findings.nii.gz         the combined map, UInt8: 1 focal finding (subsystem A), 2 diffuse
///                           opacity (fused map above the Corona threshold, subsystem B), 0 else
///   slices/slice-NNNN.png   one per positive slice and per finding's measured slice: lung
///                           window + heat map + lung contour, diffuse (red) and focal (green)
///                           outlines
///   overview.png            montage of the most positive lung slices (up to `overviewCount`)
///   features.npy            Float16, one row per lung slice (report order): the gradient-
///                           weighted features `ctscreen cluster` groups slices by
///   thumbnails.npy          UInt8, n × 64 × 64: each lung slice's crop, for cluster montages
/// NIfTI files are written by the caller's `VolumeFileWriter` (the Volumes NIfTI writer).
public enum StudyOutputs {
    public static let reportName = "report.json"
    public static let localizationName = "localization.nii.gz"
    public static let lungMaskName = "lung-mask.nii.gz"
    public static let findingsName = "findings.nii.gz"
    public static let overviewName = "overview.png"
    public static let slicesFolder = "slices"
    public static let featuresName = "features.npy"
    public static let thumbnailsName = "thumbnails.npy"

    /// Creates the folder if needed and proves it is writable, before any work is done.
    public static func prepareFolder(_ folder: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ScreeningError.output(path: folder.path, reason: "exists and is not a folder")
        }
        do {
            try fm.createDirectory(at: folder.appendingPathComponent(slicesFolder), withIntermediateDirectories: true)
            let probe = folder.appendingPathComponent(".ctscreen-write-probe")
            try Data("ok".utf8).write(to: probe)
            try fm.removeItem(at: probe)
        } catch {
            throw ScreeningError.output(path: folder.path, reason: "folder cannot be written (\(Self.blocker(of: folder) ?? Self.reason(error)))")
        }
    }

    public static func writeReport(_ report: ScreeningReport, to folder: URL) throws {
        let url = folder.appendingPathComponent(reportName)
        do {
            try report.jsonData().write(to: url, options: .atomic)
        } catch {
            throw ScreeningError.output(path: url.path, reason: Self.reason(error))
        }
    }

    /// Slice PNGs and the overview; returns the output table entries (role → relative path).
    /// Slices are rendered and encoded on up to `threads` threads.
    public static func writePictures(backdrops: SliceBackdrops, size: VolumeSize, region: LungRegion, localization: [Float],
                                     report: ScreeningReport, settings: ScreeningSettings,
                                     focal: FocalAnalysis? = nil,
                                     to folder: URL, overviewCount: Int = 12,
                                     threads: Int = 1) throws -> [String: String] {
        guard backdrops.columns == size.columns, backdrops.rows == size.rows else {
            throw ScreeningError.inconsistentInput("backdrops of \(backdrops.columns) × \(backdrops.rows) pixels for slices of \(size.columns) × \(size.rows)")
        }
        let labels = focal.map { $0.labelVolume(count: size.count) }
        let drawn = drawnSlices(report: report, focal: focal, overviewCount: overviewCount)
        let backdrop = Dictionary(uniqueKeysWithValues: try Set(drawn.slices + drawn.overview).map { ($0, try backdrops.plane($0)) })
        @Sendable func picture(_ k: Int) -> PNGFile.Image {
            Overlay.render(backdrop: backdrop[k]!, size: size, localization: localization, mask: region.mask, slice: k,
                           settings: settings, focal: labels)
        }
        let positives = drawn.slices
        let names = positives.map { "\(slicesFolder)/slice-\(String(format: "%04d", $0)).png" }
        let failures = FailureList()
        let chunks = max(1, min(threads, positives.count))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for i in stride(from: chunk, to: positives.count, by: chunks) {
                do {
                    try PNGFile.write(picture(positives[i]), to: folder.appendingPathComponent(names[i]).path)
                } catch {
                    failures.append(error)
                }
            }
        }
        if let error = failures.first { throw error }
        var outputs: [String: String] = [:]
        for (k, name) in zip(positives, names) { outputs["slice \(k)"] = name }
        let top = drawn.overview
        if !top.isEmpty {
            try PNGFile.write(Overlay.montage(top.map(picture)), to: folder.appendingPathComponent(overviewName).path)
            outputs["overview"] = overviewName
        }
        return outputs
    }

    /// The slices the pictures show: one picture for each positive slice and each slice a
    /// focal finding is measured on; the overview shows the `overviewCount` slices of highest
    /// probability (ties: lower index first), in slice order.
    public static func drawnSlices(report: ScreeningReport, focal: FocalAnalysis?,
                                   overviewCount: Int = 12) -> (slices: [Int], overview: [Int]) {
        let slices = Array(Set(report.positiveSlices + (focal?.findings.map(\.diameterSlice) ?? []))).sorted()
        let overview = report.slices.sorted { ($0.probability, -$0.index) > ($1.probability, -$1.index) }
            .prefix(overviewCount).map(\.index).sorted()
        return (slices, overview)
    }

    /// The combined map: 1 where a focal finding is, else 2 where the fused map passes the
    /// Corona-score threshold, else 0.
    public static func combinedMap(focal: FocalAnalysis?, localization: [Float], count: Int, threshold: Float) -> [UInt8] {
        var labels = [UInt8](repeating: 0, count: count)
        if localization.count == count {
            for i in 0..<count where localization[i] > threshold { labels[i] = 2 }
        }
        if let focal {
            for n in focal.findings.indices { for i in focal.voxels(of: n) where i >= 0 && i < count { labels[i] = 1 } }
        }
        return labels
    }

    /// Errors from concurrent writers, kept under a lock.
    private final class FailureList: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [Error] = []
        func append(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
        var first: Error? { lock.lock(); defer { lock.unlock() }; return errors.first }
    }

    /// Why a folder cannot be created: the nearest existing ancestor is a file or read-only.
    static func blocker(of folder: URL) -> String? {
        let fm = FileManager.default
        var url = folder.standardizedFileURL
        while url.path != "/" {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return "\(url.path) is a file, not a folder" }
                if !fm.isWritableFile(atPath: url.path) { return "no write permission in \(url.path)" }
                return nil
            }
            url.deleteLastPathComponent()
        }
        return nil
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError, let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return (error as NSError).localizedDescription
    }
}
