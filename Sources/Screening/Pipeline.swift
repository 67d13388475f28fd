import Foundation
import Imaging
import Opacities
import Preparation
import Volumes

/// Everything the later stages need from preparation, without the voxels: Codable so the
/// cluster's coordinator can store it and the reducer can read it back.
public struct PreparedStudy: Codable, Equatable, Sendable {
    public var studyID: String
    public var source: String
    public var metadata: StudyMetadata
    public var size: VolumeSize
    public var geometry: Geometry
    public var roi: PixelRect
    public var lungSlices: [Int]
    public var lungVolumeML: Double
    /// One per lung slice, ascending slice index.
    public var slices: [PreparedSlice]
    /// Subsystem A's focal opacities (found in the prepare stage; the reducer adds their
    /// agreement with the Grad-CAM map).
    public var focal: FocalAnalysis?
}

/// The screening stages as plain functions (method steps 3–6), split where the cluster splits
/// them:
///   prepare (coordinator) → classify, one batch at a time (worker) → reduce (reducer).
/// `run` chains them in one process.
public struct Pipeline: Sendable {
    public var settings: ScreeningSettings
    public var software: SoftwareInfo

    public init(settings: ScreeningSettings = .standard, software: SoftwareInfo) throws {
        try settings.validate()
        self.settings = settings
        self.software = software
    }

    /// Stage 1: focal opacities in 3D (`FocalOpacityDetector`, CPU only), then crop, window and
    /// resize every lung slice (`SlicePreparation`).
    public func prepare(volume: Volume, region: LungRegion, studyID: String,
                        source: String = "") throws -> PreparedStudy {
        guard region.size == volume.size else {
            throw ScreeningError.inconsistentInput(
                "\(studyID): lung mask size \(region.size) differs from volume \(volume.size)")
        }
        guard !region.lungSlices.isEmpty else { throw ScreeningError.noLungSlices(study: studyID) }
        let slices = try region.lungSlices.map {
            try SlicePreparation.prepare(volume: volume, sliceIndex: $0, crop: region.roi, settings: settings)
        }
        let focal = FocalOpacityDetector.detect(volume: volume, lungMask: region.mask)
        return PreparedStudy(studyID: studyID, source: source, metadata: volume.metadata,
                             size: volume.size, geometry: volume.geometry, roi: region.roi,
                             lungSlices: region.lungSlices,
                             lungVolumeML: region.lungVolumeML(geometry: volume.geometry),
                             slices: slices, focal: focal)
    }

    /// The prepared slices cut into classifier batches of `settings.batchSize`.
    public func batches(of study: PreparedStudy) -> [[PreparedSlice]] {
        stride(from: 0, to: study.slices.count, by: settings.batchSize).map {
            Array(study.slices[$0..<min($0 + settings.batchSize, study.slices.count)])
        }
    }

    /// Stage 2: one forward pass for the batch, Grad-CAM for its positive slices.
    public func classify(_ batch: [PreparedSlice], with classifier: SliceClassifier) throws -> [SliceResult] {
        guard !batch.isEmpty else { return [] }
        guard classifier.inputSide == settings.inputSize else {
            throw ScreeningError.classifier("model input is \(classifier.inputSide)², settings say \(settings.inputSize)²")
        }
        let input = try SlicePreparation.normalisedBatch(batch, settings: settings)
        let outputs = try classifier.classify(input: input, count: batch.count,
                                              positiveThreshold: settings.positiveThreshold)
        guard outputs.count == batch.count else {
            throw ScreeningError.classifier("returned \(outputs.count) results for \(batch.count) slices")
        }
        let side = settings.inputSize
        return try zip(batch, outputs).map { slice, output in
            var output = output
            output.fusedMap = output.fusedMap.map { SlicePreparation.mapToSlice($0, side: side, settings: settings) }
            let result = SliceResult(slice: slice, output: output, positiveThreshold: settings.positiveThreshold)
            if result.isPositive, result.fusedMap?.count != side * side {
                throw ScreeningError.classifier("positive slice \(slice.sliceIndex) has no \(side)×\(side) Grad-CAM map")
            }
            return result
        }
    }

    /// What `reduce` produces: the report, the localisation volume (input grid, Float32) and
    /// the focal findings with their voxels.
    public struct Reduction: Sendable {
        public var report: ScreeningReport
        public var localization: [Float]
        public var focal: FocalAnalysis?
        /// The classifier's per-slice features and crops, in the order of `report.slices`
        /// (for clustering: `StudyOutputs.writeClusteringInputs`).
        public var features: [[Float]] = []
        public var crops: [PixelRect] = []
    }

    /// Stage 3: 3D fusion, case scores and the report. `results` may come in any order; there
    /// must be exactly one per lung slice.
    public func reduce(study: PreparedStudy, region: LungRegion, results: [SliceResult],
                       model: ModelInfo, timings: [StageTiming]) throws -> Reduction {
        let sorted = results.sorted { $0.sliceIndex < $1.sliceIndex }
        guard sorted.map(\.sliceIndex) == study.lungSlices else {
            throw ScreeningError.inconsistentInput(
                "\(study.studyID): \(results.count) slice results do not match the \(study.lungSlices.count) lung slices")
        }
        guard region.size == study.size else {
            throw ScreeningError.inconsistentInput("\(study.studyID): lung mask size differs from the study")
        }
        let localization = try Fusion.localizationVolume(results: sorted, region: region)
        let scores = CaseScoring.score(results: sorted, lungSliceCount: study.lungSlices.count,
                                       localization: localization, size: study.size,
                                       geometry: study.geometry, settings: settings)
        let coronaBySlice = Dictionary(uniqueKeysWithValues: zip(scores.positiveSlices, scores.coronaScoreBySlice))
        let entries = sorted.map {
            ScreeningReport.SliceEntry(index: $0.sliceIndex, probability: Double($0.probability),
                                       logit: Double($0.logit), positive: $0.isPositive,
                                       coronaScore: coronaBySlice[$0.sliceIndex])
        }
        let frame = region.frame(geometry: study.geometry)
        var focal = study.focal
        focal?.measureOverlap(with: localization, threshold: settings.coronaThreshold)
        let m = study.metadata, g = study.geometry
        let identity = ScreeningReport.StudyIdentity(
            studyID: study.studyID, source: study.source, patientID: m.patientID,
            studyInstanceUID: m.studyInstanceUID, seriesInstanceUID: m.seriesInstanceUID,
            studyDate: m.studyDate, studyTime: m.studyTime.isEmpty ? nil : m.studyTime, modality: m.modality, manufacturer: m.manufacturer,
            seriesDescription: m.seriesDescription, size: study.size,
            spacing: [g.spacing.x, g.spacing.y, g.spacing.z], origin: [g.origin.x, g.origin.y, g.origin.z])
        let report = ScreeningReport(
            createdAt: ISO8601DateFormatter().string(from: Date()), study: identity,
            lung: .init(sliceCount: study.lungSlices.count, volumeML: study.lungVolumeML, roi: study.roi,
                        centreLPS: frame.map { [$0.centre.x, $0.centre.y, $0.centre.z] },
                        extentMM: frame.map { [$0.extent.x, $0.extent.y, $0.extent.z] }),
            slices: entries, positiveSlices: scores.positiveSlices, positiveRatio: scores.positiveRatio,
            coronaScore: scores.coronaScore, decisions: scores.decisions, model: model,
            software: software, settings: settings, timings: timings, outputs: [:],
            focalOpacities: focal.map(ScreeningReport.FocalOpacities.init))
        return Reduction(report: report, localization: localization, focal: focal, features: sorted.map(\.features),
                         crops: sorted.map(\.crop))
    }

    /// All three stages in one process. `progress(done, total)` is called after each batch.
    public func run(volume: Volume, region: LungRegion, classifier: SliceClassifier,
                    studyID: String, source: String = "", clock: inout StageClock,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> Reduction {
        let study = try clock.measure("prepare") {
            try prepare(volume: volume, region: region, studyID: studyID, source: source)
        }
        var results: [SliceResult] = []
        var done = 0
        progress(0, study.slices.count)
        for batch in batches(of: study) {
            results += try clock.measure("classify") { try classify(batch, with: classifier) }
            done += batch.count
            progress(done, study.slices.count)
        }
        let model = ModelInfo(sha256: classifier.modelSHA256, description: classifier.modelDescription)
        var reduction = try clock.measure("reduce") {
            try reduce(study: study, region: region, results: results, model: model, timings: [])
        }
        reduction.report.timings = clock.timings
        return reduction
    }
}
