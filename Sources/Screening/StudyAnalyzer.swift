import Foundation
import Preparation
import Volumes

/// Writes a volume on a study's grid (`size`, placed in patient space by `geometry`) to a
/// NIfTI file.
public protocol VolumeFileWriting {
    func writeFloat32(_ values: [Float], size: VolumeSize, geometry: Geometry, to url: URL) throws
    func writeUInt8(_ values: [UInt8], size: VolumeSize, geometry: Geometry, to url: URL) throws
}

/// One study in, every output out, in one process: segment → prepare → classify (batches)
/// → reduce → write. The stages are `Pipeline`'s; this only chains them, times them and
/// writes the files (`StudyOutputs`). Timings: "segment", "prepare", "classify", "reduce",
/// "write volumes", "write pictures" (the caller may add stages such as "read" before).
public struct StudyAnalyzer {
    public var pipeline: Pipeline
    public var segmenter: LungSegmenting
    public var classifier: SliceClassifier
    public var volumeWriter: VolumeFileWriting?
    /// Threads for writing pictures.
    public var threads: Int

    public init(pipeline: Pipeline, segmenter: LungSegmenting, classifier: SliceClassifier,
                volumeWriter: VolumeFileWriting?, threads: Int = 1) {
        self.threads = threads
        self.pipeline = pipeline
        self.segmenter = segmenter
        self.classifier = classifier
        self.volumeWriter = volumeWriter
    }

    public struct Result {
        public var report: ScreeningReport
        public var outputFolder: URL
    }

    /// `progress(done, total)` counts classified slices; `stage(name)` announces the stages
    /// without slice counts ("segment", "write").
    public func analyze(volume: Volume, studyID: String, source: String, outputFolder: URL,
                        clock: inout StageClock,
                        stage: (String) -> Void = { _ in },
                        progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        try StudyOutputs.prepareFolder(outputFolder)
        stage("segment")
        let region = try clock.measure("segment") { try segmenter.segment(volume) }
        let reduction = try pipeline.run(volume: volume, region: region, classifier: classifier,
                                         studyID: studyID, source: source, clock: &clock, progress: progress)
        stage("write")
        let backdrops = SliceBackdrops(volume: volume, slices: reduction.report.slices.map(\.index)
                                       + (reduction.focal?.findings.map(\.diameterSlice) ?? []), settings: pipeline.settings)
        let report = try StudyOutputs.writeAll(
            reduction, size: volume.size, geometry: volume.geometry, backdrops: backdrops, region: region,
            settings: pipeline.settings, volumeWriter: volumeWriter, threads: threads, to: outputFolder, clock: &clock)
        return Result(report: report, outputFolder: outputFolder)
    }
}
