import Clustering
import Foundation
import Imaging
import Opacities
import Preparation
import Volumes

extension StudyOutputs {
    /// Writes every output of a reduced study into `folder` (created beforehand with
    /// `prepareFolder`): the localisation, lung-mask and combined-map volumes on the study's
    /// grid (when `volumeWriter` is given), the slice pictures and overview on `backdrops`, the
    /// clustering inputs, then `report.json` with the output names and the timings of `clock`.
    /// Shared by `analyze` and the cluster's reducer, so both write the same. Returns the
    /// report as written.
    public static func writeAll(_ reduction: Pipeline.Reduction, size: VolumeSize, geometry: Geometry,
                                backdrops: SliceBackdrops, region: LungRegion, settings: ScreeningSettings,
                                volumeWriter: VolumeFileWriting?, threads: Int,
                                to folder: URL, clock: inout StageClock) throws -> ScreeningReport {
        var report = reduction.report
        let localization = reduction.localization, focal = reduction.focal
        if let writer = volumeWriter {
            try clock.measure("write volumes") {
                try writeVolume(localizationName, in: folder) {
                    try writer.writeFloat32(localization, size: size, geometry: geometry, to: $0)
                }
                try writeVolume(lungMaskName, in: folder) {
                    try writer.writeUInt8(region.mask, size: size, geometry: geometry, to: $0)
                }
                try writeVolume(findingsName, in: folder) {
                    try writer.writeUInt8(combinedMap(focal: focal, localization: localization, count: size.count,
                                                      threshold: settings.coronaThreshold), size: size, geometry: geometry, to: $0)
                }
            }
            report.outputs["localization"] = localizationName
            report.outputs["lungMask"] = lungMaskName
            report.outputs["findings"] = findingsName
        }
        let pictures = try clock.measure("write pictures") {
            try writePictures(backdrops: backdrops, size: size, region: region, localization: localization,
                              report: report, settings: settings, focal: focal, to: folder, threads: threads)
        }
        report.outputs.merge(pictures) { $1 }
        report.outputs.merge(try clock.measure("write pictures") {
            try writeClusteringInputs(features: reduction.features, crops: reduction.crops, slices: report.slices.map(\.index),
                                      backdrops: backdrops, to: folder)
        }) { $1 }
        report.outputs["report"] = reportName
        report.timings = clock.timings
        try writeReport(report, to: folder)
        return report
    }

    /// Side of the slice thumbnails clustering montages show.
    public static let thumbnailSide = 64

    /// `features.npy` (Float16, one row per entry of the report's `slices`: the classifier's
    /// gradient-weighted features) and `thumbnails.npy` (UInt8, n × 64 × 64: each slice's lung
    /// crop in the lung window, resized like the network input), for `ctscreen cluster`.
    /// Nothing when the classifier gives no features.
    static func writeClusteringInputs(features: [[Float]], crops: [PixelRect], slices: [Int], backdrops: SliceBackdrops,
                                      to folder: URL) throws -> [String: String] {
        guard let width = features.first?.count, width > 0, features.count == slices.count, crops.count == slices.count else {
            return [:]
        }
        guard features.allSatisfy({ $0.count == width }) else {
            throw ScreeningError.inconsistentInput("slices have features of different lengths")
        }
        let side = thumbnailSide
        var thumbnails: [UInt8] = []
        thumbnails.reserveCapacity(slices.count * side * side)
        for (k, crop) in zip(slices, crops) {
            let plane = try backdrops.plane(k)
            var cut = [Float](repeating: 0, count: crop.rows * crop.columns)
            for r in 0..<crop.rows {
                for c in 0..<crop.columns { cut[r * crop.columns + c] = Float(plane[(crop.row + r) * backdrops.columns + crop.column + c]) }
            }
            let small = Bilinear.resize(cut, rows: crop.rows, columns: crop.columns, outRows: side, outColumns: side)
            thumbnails += small.map { UInt8(min(max($0, 0), 255).rounded()) }
        }
        let outputs = ["features": featuresName, "thumbnails": thumbnailsName]
        for (name, array) in [(featuresName, NPYFile.Array.float16(features.flatMap { $0 }, shape: [slices.count, width])),
                              (thumbnailsName, NPYFile.Array.uint8(thumbnails, shape: [slices.count, side, side]))] {
            let url = folder.appendingPathComponent(name)
            do { try NPYFile.write(array, to: url) } catch {
                throw ScreeningError.output(path: url.path, reason: "\(error)")
            }
        }
        return outputs
    }

    private static func writeVolume(_ name: String, in folder: URL, _ body: (URL) throws -> Void) throws {
        let url = folder.appendingPathComponent(name)
        do { try body(url) } catch let error as ScreeningError { throw error } catch {
            throw ScreeningError.output(path: url.path, reason: "\(error)")
        }
    }
}
