import Foundation
import Imaging
import Preparation
import Screening
import Volumes

/// A slice batch as the coordinator stores it under its payload key: the prepared slices'
/// pixels (Float32, binary) plus what the worker needs to classify them.
public struct BatchPayload: Equatable, Sendable {
    public var studyID: String
    public var settings: ScreeningSettings
    /// Slices over all batches of the study (for the reduce descriptor).
    public var studySliceCount: Int
    public var slices: [PreparedSlice]

    static let magic = "CTSB"

    struct Header: Codable {
        var studyID: String
        var settings: ScreeningSettings
        var studySliceCount: Int
        var slices: [SliceHeader]
    }
    struct SliceHeader: Codable { var index: Int; var crop: PixelRect; var side: Int }

    public init(studyID: String, settings: ScreeningSettings, studySliceCount: Int, slices: [PreparedSlice]) {
        self.studyID = studyID; self.settings = settings; self.studySliceCount = studySliceCount; self.slices = slices
    }

    public func encoded() throws -> [UInt8] {
        let header = Header(studyID: studyID, settings: settings, studySliceCount: studySliceCount,
                            slices: slices.map { SliceHeader(index: $0.sliceIndex, crop: $0.crop, side: $0.side) })
        // Windowed pixels lie in [0, 1]: 2 bytes each (Redis memory), within 7.7e-6.
        return try BinaryPayload.encode(magic: Self.magic, header: header, arrays: slices.map(\.pixels)) { _, values in
            .unitIntervalIfPossible(values)
        }
    }

    public static func decode(_ bytes: [UInt8], key: String) throws -> BatchPayload {
        let (h, arrays) = try BinaryPayload.decode(bytes, magic: magic, as: Header.self, what: key)
        guard arrays.count == h.slices.count else { throw ClusterError(.badPayload, "\(key): \(arrays.count) pixel arrays for \(h.slices.count) slices") }
        let slices = try zip(h.slices, arrays).map { s, pixels -> PreparedSlice in
            guard s.side > 0, pixels.count == s.side * s.side else {
                throw ClusterError(.badPayload, "\(key): slice \(s.index) has \(pixels.count) pixels for side \(s.side)")
            }
            return PreparedSlice(sliceIndex: s.index, crop: s.crop, side: s.side, pixels: pixels)
        }
        return BatchPayload(studyID: h.studyID, settings: h.settings, studySliceCount: h.studySliceCount, slices: slices)
    }
}

/// A worker's answer for one batch, stored in the study's results hash (binary).
public struct BatchResultPayload: Equatable, Sendable {
    public var model: ModelInfo
    /// Seconds the classifier took for this batch (summed into the report's "classify").
    public var seconds: Double
    public var results: [SliceResult]

    static let magic = "CTSR"

    struct Header: Codable {
        var model: ModelInfo
        var seconds: Double
        var slices: [SliceHeader]
    }
    struct SliceHeader: Codable { var index: Int; var crop: PixelRect; var positive: Bool; var mapSide: Int; var hasMap: Bool }

    public init(model: ModelInfo, seconds: Double, results: [SliceResult]) {
        self.model = model; self.seconds = seconds; self.results = results
    }

    /// Arrays: [logit, probability] of every slice (Float32, exact), then each slice's features
    /// (Float16: they feed clustering, not decisions), then the fused maps of the slices that
    /// have one (fixed point when they lie in [0, 1], as Grad-CAM maps do).
    public func encoded() throws -> [UInt8] {
        let header = Header(model: model, seconds: seconds, slices: results.map {
            SliceHeader(index: $0.sliceIndex, crop: $0.crop, positive: $0.isPositive, mapSide: $0.mapSide, hasMap: $0.fusedMap != nil)
        })
        let scalars = results.flatMap { [$0.logit, $0.probability] }
        let n = results.count
        return try BinaryPayload.encode(magic: Self.magic, header: header,
                                        arrays: [scalars] + results.map(\.features) + results.compactMap(\.fusedMap)) { i, values in
            i == 0 ? .float32 : i <= n ? .float16IfInRange(values) : .unitIntervalIfPossible(values)
        }
    }

    public static func decode(_ bytes: [UInt8], what: String) throws -> BatchResultPayload {
        let (h, arrays) = try BinaryPayload.decode(bytes, magic: magic, as: Header.self, what: what)
        let n = h.slices.count, maps = h.slices.filter(\.hasMap).count
        guard arrays.count == 1 + n + maps, arrays[0].count == 2 * n else {
            throw ClusterError(.badPayload, "\(what): \(arrays.count) arrays do not fit \(n) slices with \(maps) maps")
        }
        var next = 1 + n
        var results: [SliceResult] = []
        for (i, s) in h.slices.enumerated() {
            var map: [Float]?
            if s.hasMap { map = arrays[next]; next += 1 }
            // SliceResult keeps `isPositive` as stored; rebuild it through its public init.
            let slice = PreparedSlice(sliceIndex: s.index, crop: s.crop, side: s.mapSide, pixels: [])
            let output = SliceOutput(logit: arrays[0][2 * i], probability: arrays[0][2 * i + 1], features: arrays[1 + i], fusedMap: map)
            var r = SliceResult(slice: slice, output: output, positiveThreshold: 0)
            r.isPositive = s.positive
            r.fusedMap = map
            results.append(r)
        }
        return BatchResultPayload(model: h.model, seconds: h.seconds, results: results)
    }
}

/// What the reducer needs besides the slice results: the prepared study without pixels, the
/// lung region, the settings, the grey backdrops of the slices its pictures may show, where
/// to write, and the timings so far — so it reads no study files and decodes no DICOM.
public struct StudyContext: Sendable {
    public var study: PreparedStudy
    public var region: LungRegion
    public var settings: ScreeningSettings
    public var backdrops: PackedBackdrops
    public var outputRoot: String?
    public var timings: [StageTiming]
    /// The study's readable name (report, summary, output folder); nil: none given.
    public var label: String?

    static let magic = "CTSC"

    struct Header: Codable {
        var study: PreparedStudy
        var region: LungRegion
        var settings: ScreeningSettings
        var outputRoot: String?
        var timings: [StageTiming]
        var label: String?
        /// The backdrops' grid and slices, in the order of the payload's PNG blobs.
        var backdropColumns: Int
        var backdropRows: Int
        var backdropSlices: [Int]
    }

    public init(study: PreparedStudy, region: LungRegion, settings: ScreeningSettings, backdrops: PackedBackdrops,
                outputRoot: String?, timings: [StageTiming], label: String? = nil) {
        var s = study
        s.slices = []
        self.study = s; self.region = region; self.settings = settings; self.backdrops = backdrops
        self.outputRoot = outputRoot; self.timings = timings; self.label = label
    }

    /// JSON header, then the backdrops' PNGs as byte blobs.
    public func encoded() throws -> [UInt8] {
        let header = Header(study: study, region: region, settings: settings, outputRoot: outputRoot, timings: timings,
                            label: label, backdropColumns: backdrops.columns, backdropRows: backdrops.rows,
                            backdropSlices: backdrops.slices)
        return try BinaryPayload.encode(magic: Self.magic, header: header, arrays: [], blobs: backdrops.pngs)
    }

    public static func decode(_ bytes: [UInt8], key: String) throws -> StudyContext {
        let (h, _, blobs) = try BinaryPayload.decodeWithBlobs(bytes, magic: magic, as: Header.self, what: key)
        guard blobs.count == h.backdropSlices.count, Set(h.backdropSlices).count == blobs.count,
              h.backdropColumns > 0, h.backdropRows > 0 else {
            throw ClusterError(.badPayload, "\(key): \(blobs.count) backdrops of \(h.backdropColumns) × \(h.backdropRows) for slices \(h.backdropSlices)")
        }
        let backdrops = PackedBackdrops(columns: h.backdropColumns, rows: h.backdropRows, slices: h.backdropSlices, pngs: blobs)
        return StudyContext(study: h.study, region: h.region, settings: h.settings, backdrops: backdrops,
                            outputRoot: h.outputRoot, timings: h.timings, label: h.label)
    }
}

/// `SliceBackdrops` as the study context carries them: one grey PNG per slice (lossless; a
/// 512² lung-window slice takes a fraction of its 256 KiB).
public struct PackedBackdrops: Equatable, Sendable {
    public var columns: Int
    public var rows: Int
    public var slices: [Int]
    public var pngs: [[UInt8]]

    init(columns: Int, rows: Int, slices: [Int], pngs: [[UInt8]]) {
        self.columns = columns; self.rows = rows; self.slices = slices; self.pngs = pngs
    }

    /// Encodes the planes in parallel (about 12 ms a 512² slice on one core).
    /// Encodes the planes in parallel (about 12 ms a 512² slice on one core), each into its
    /// own slot of a buffer allocated here.
    public init(_ backdrops: SliceBackdrops) throws {
        let slices = backdrops.planes.keys.sorted()
        let results = UnsafeMutableBufferPointer<Result<[UInt8], Error>>.allocate(capacity: slices.count)
        defer { results.deallocate() }
        parallelChunks(slices.count) { range in
            for i in range {
                let image = PNGFile.Image(width: backdrops.columns, height: backdrops.rows, channels: 1,
                                          pixels: backdrops.planes[slices[i]]!)
                (results.baseAddress! + i).initialize(to: Result { try PNGFile.encode(image) })
            }
        }
        let encoded = Array(results)
        _ = results.deinitialize()
        columns = backdrops.columns
        rows = backdrops.rows
        self.slices = slices
        pngs = try encoded.map { try $0.get() }
    }

    /// The grey planes again; `what` (the payload key) names a PNG that does not decode.
    public func unpacked(what: String) throws -> SliceBackdrops {
        do {
            var planes: [Int: [UInt8]] = [:]
            for (k, png) in zip(slices, pngs) {
                planes[k] = try PNGFile.decode(png, width: columns, height: rows, channels: 1, what: "backdrop of slice \(k)").pixels
            }
            return try SliceBackdrops(columns: columns, rows: rows, planes: planes)
        } catch let error as ScreeningError {
            throw ClusterError(.badPayload, "\(what): \(error)")
        }
    }
}

/// The outcome of a finished study attempt, kept under `<prefix>:report:<id>:a<k>` for
/// `status`, `result` and `worklist` (JSON; fields in `Protocols/README.md`, *Study summary*).
public struct StudySummary: Codable, Equatable, Sendable {
    public var studyID: String
    /// The readable name beside the id ("" if none was given).
    public var label: String
    public var attempt: Int
    public var patientID: String
    /// Operating point name → positive decision.
    public var decisions: [String: Bool]
    public var positiveRatio: Double
    public var coronaScore: Double
    public var lungSlices: Int
    public var positiveSlices: Int
    /// Absolute path of report.json.
    public var reportPath: String
    public var finished: Double

    enum CodingKeys: String, CodingKey {
        case studyID = "study_id", label, attempt, patientID = "patient_id", decisions, positiveRatio = "positive_ratio"
        case coronaScore = "corona_score", lungSlices = "lung_slices", positiveSlices = "positive_slices"
        case reportPath = "report_path", finished
    }

    public init(report: ScreeningReport, reportPath: String, studyID: String, label: String = "", attempt: Int = 1,
                finished: Double = Date().timeIntervalSince1970) {
        self.studyID = studyID
        self.label = label
        self.attempt = attempt
        patientID = report.study.patientID
        decisions = Dictionary(report.decisions.map { ($0.operatingPoint, $0.positive) }, uniquingKeysWith: { a, _ in a })
        positiveRatio = report.positiveRatio
        coronaScore = report.coronaScore
        lungSlices = report.lung.sliceCount
        positiveSlices = report.positiveSlices.count
        self.reportPath = reportPath
        self.finished = finished
    }

    /// Positive at any operating point.
    public var isPositive: Bool { decisions.values.contains(true) }
}
