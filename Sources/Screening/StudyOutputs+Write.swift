import Foundation
import Opacities
import Preparation
import Volumes

extension StudyOutputs {
    /// Writes every output of a reduced study into `folder` (created beforehand with
    /// `prepareFolder`): the localisation, lung-mask and combined-map volumes on the study's
    /// grid (when `volumeWriter` is given), the slice pictures and overview on `backdrops`, then
    /// `report.json` with the output names and the timings of `clock`. Shared by `analyze` and
    /// the cluster's reducer, so both write the same. Returns the report as written.
    public static func writeAll(report: ScreeningReport, size: VolumeSize, geometry: Geometry,
                                backdrops: SliceBackdrops, region: LungRegion,
                                localization: [Float], focal: FocalAnalysis?, settings: ScreeningSettings,
                                volumeWriter: VolumeFileWriting?, threads: Int,
                                to folder: URL, clock: inout StageClock) throws -> ScreeningReport {
        var report = report
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
        report.outputs["report"] = reportName
        report.timings = clock.timings
        try writeReport(report, to: folder)
        return report
    }

    private static func writeVolume(_ name: String, in folder: URL, _ body: (URL) throws -> Void) throws {
        let url = folder.appendingPathComponent(name)
        do { try body(url) } catch let error as ScreeningError { throw error } catch {
            throw ScreeningError.output(path: url.path, reason: "\(error)")
        }
    }
}
