import Foundation
import Imaging
import Opacities
import Preparation
import Volumes

/// `report.json`: one study's screening result. Its JSON form is specified by
/// `Protocols/report.schema.json` (JSON Schema draft 2020-12); keep the two in step.
public struct ScreeningReport: Codable, Equatable, Sendable {
    public static let schemaID = "https://ctscreen.example/protocols/report.schema.json"
    public static let notForClinicalUse =
        "Research software, not a medical device: NOT FOR CLINICAL USE. Results must not be used for diagnosis or treatment."

    public var schema: String = ScreeningReport.schemaID
    public var notice: String = ScreeningReport.notForClinicalUse
    public var createdAt: String
    public var study: StudyIdentity
    public var lung: LungSummary
    /// Every screened (lung) slice in ascending index order.
    public var slices: [SliceEntry]
    public var positiveSlices: [Int]
    public var positiveRatio: Double
    /// cm³, see `CaseScoring.coronaScore`.
    public var coronaScore: Double
    public var decisions: [CaseDecision]
    public var model: ModelInfo
    public var software: SoftwareInfo
    public var settings: ScreeningSettings
    /// Seconds per stage, in the order the stages ran.
    public var timings: [StageTiming]
    /// Output files relative to the report's folder (filled in by whoever writes them).
    public var outputs: [String: String]
    /// Subsystem A: focal opacities in 3D (nil only in reports made without a CT volume).
    public var focalOpacities: FocalOpacities?

    public init(createdAt: String, study: StudyIdentity, lung: LungSummary, slices: [SliceEntry],
                positiveSlices: [Int], positiveRatio: Double, coronaScore: Double, decisions: [CaseDecision],
                model: ModelInfo, software: SoftwareInfo, settings: ScreeningSettings, timings: [StageTiming],
                outputs: [String: String], focalOpacities: FocalOpacities? = nil) {
        self.createdAt = createdAt; self.study = study; self.lung = lung; self.slices = slices
        self.positiveSlices = positiveSlices; self.positiveRatio = positiveRatio; self.coronaScore = coronaScore
        self.decisions = decisions; self.model = model; self.software = software; self.settings = settings
        self.timings = timings; self.outputs = outputs; self.focalOpacities = focalOpacities
    }

    /// The focal findings as the report shows them, largest first.
    public struct FocalOpacities: Codable, Equatable, Sendable {
        /// Thresholds and filter settings used.
        public var method: FocalOpacitySettings
        public var findings: [FocalFinding]
        /// Sum of the findings' volumes (cm³).
        public var totalVolumeCM3: Double
        /// What vessel and wall suppression removed.
        public var suppressed: FocalAnalysis.Suppressed

        public init(_ analysis: FocalAnalysis) {
            method = analysis.settings
            findings = analysis.findings
            totalVolumeCM3 = analysis.findings.reduce(0) { $0 + $1.volumeCM3 }
            suppressed = analysis.suppressed
        }
    }

    public struct StudyIdentity: Codable, Equatable, Sendable {
        public var studyID: String
        public var source: String
        public var patientID: String
        public var studyInstanceUID: String
        public var seriesInstanceUID: String
        public var studyDate: String
        /// StudyTime (HHMMSS.FFFFFF) when the series has one.
        public var studyTime: String?
        public var modality: String
        public var manufacturer: String
        public var seriesDescription: String
        public var size: VolumeSize
        /// mm along (column, row, slice).
        public var spacing: [Double]
        public var origin: [Double]
        /// The readable name beside a cluster study id (`studyID` is then the id, a hash of
        /// the series' UIDs or content); nil in `analyze`, where `studyID` is the name.
        public var label: String?
    }

    public struct LungSummary: Codable, Equatable, Sendable {
        public var sliceCount: Int
        public var volumeML: Double
        public var roi: PixelRect
        /// Centroid of the lung mask (LPS, mm) and the size of its bounding box along x, y, z
        /// (mm): what aligns two scans of one patient to match findings.
        public var centreLPS: [Double]?
        public var extentMM: [Double]?
    }

    public struct SliceEntry: Codable, Equatable, Sendable {
        public var index: Int
        public var probability: Double
        public var logit: Double
        public var positive: Bool
        /// cm³, positive slices only.
        public var coronaScore: Double?
    }

    /// JSON with sorted keys, pretty-printed.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}

/// The weights that produced a report.
public struct ModelInfo: Codable, Equatable, Sendable {
    public var sha256: String
    public var description: String
    public init(sha256: String, description: String) {
        self.sha256 = sha256
        self.description = description
    }
}

public struct SoftwareInfo: Codable, Equatable, Sendable {
    public var name: String
    public var version: String
    public init(name: String = "ctscreen", version: String) {
        self.name = name
        self.version = version
    }
}

public struct StageTiming: Codable, Equatable, Sendable {
    public var stage: String
    public var seconds: Double
    public init(stage: String, seconds: Double) {
        self.stage = stage
        self.seconds = seconds
    }
}

/// Collects stage timings in order; a stage run twice accumulates.
public struct StageClock: Sendable {
    public private(set) var timings: [StageTiming] = []
    public init() {}

    public mutating func add(_ stage: String, seconds: Double) {
        if let i = timings.firstIndex(where: { $0.stage == stage }) {
            timings[i].seconds += seconds
        } else {
            timings.append(StageTiming(stage: stage, seconds: seconds))
        }
    }

    /// Runs `body`, adds its wall time to `stage`, returns its value.
    public mutating func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { add(stage, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }

    public var total: Double { timings.reduce(0) { $0 + $1.seconds } }
}
