/// The bodies of queue messages. Small descriptors only: pixels travel in payload keys.
/// JSON field names are snake_case and fixed by `Protocols/messages/*.schema.json`.

/// Every body names its study and the attempt it belongs to: roles drop work of an attempt
/// that is no longer current (`submit --new-attempt`), so two attempts never mix.

/// A study to screen (queue `studies`).
public struct StudyDescriptor: Codable, Equatable, Sendable {
    public var studyID: String
    /// 1 on first submission; each new attempt counts up.
    public var attempt: Int
    /// The readable name (folder or file name) shown beside the id; not unique.
    public var label: String?
    /// Files or folders holding the series (DICOM folder, NIfTI file), as the coordinator sees them.
    public var sources: [String]
    public var patientID: String?
    /// Acquisition date (ISO 8601) for the patient's time line, if known.
    public var acquired: String?
    /// Where the reducer writes the report and artefacts (nil: the reducer's default).
    public var outputRoot: String?

    public init(studyID: String, attempt: Int = 1, label: String? = nil, sources: [String], patientID: String? = nil,
                acquired: String? = nil, outputRoot: String? = nil) {
        self.studyID = studyID; self.attempt = attempt; self.label = label; self.sources = sources
        self.patientID = patientID; self.acquired = acquired; self.outputRoot = outputRoot
    }

    enum CodingKeys: String, CodingKey {
        case studyID = "study_id", attempt, label, sources, patientID = "patient_id", acquired, outputRoot = "output_root"
    }
}

/// One batch of lung slices to classify (queue `slices`).
public struct SliceBatchDescriptor: Codable, Equatable, Sendable {
    public var studyID: String
    public var attempt: Int
    /// 0-based index of this batch; results are stored under `batch:<index>`.
    public var batchIndex: Int
    /// Number of batches of the study; the reduce item is enqueued when all have results.
    public var batchCount: Int
    /// Indices (in the study's slice order) of the slices in this batch.
    public var sliceIndices: [Int]
    /// Key of the batch's pixel payload (under the payload prefix).
    public var payloadKey: String

    public init(studyID: String, attempt: Int = 1, batchIndex: Int, batchCount: Int, sliceIndices: [Int], payloadKey: String) {
        self.studyID = studyID; self.attempt = attempt; self.batchIndex = batchIndex; self.batchCount = batchCount
        self.sliceIndices = sliceIndices; self.payloadKey = payloadKey
    }

    public var sliceCount: Int { sliceIndices.count }

    enum CodingKeys: String, CodingKey {
        case studyID = "study_id", attempt, batchIndex = "batch_index", batchCount = "batch_count"
        case sliceIndices = "slice_indices", payloadKey = "payload_key"
    }
}

/// A study whose batches all have results (queue `reduce`).
public struct ReduceDescriptor: Codable, Equatable, Sendable {
    public var studyID: String
    public var attempt: Int
    public var batchCount: Int
    /// Total slices over all batches (for throughput accounting).
    public var sliceCount: Int
    /// Key of the study context payload the coordinator wrote (geometry, lung ROI), if any.
    public var contextKey: String?

    public init(studyID: String, attempt: Int = 1, batchCount: Int, sliceCount: Int, contextKey: String? = nil) {
        self.studyID = studyID; self.attempt = attempt; self.batchCount = batchCount; self.sliceCount = sliceCount
        self.contextKey = contextKey
    }

    enum CodingKeys: String, CodingKey {
        case studyID = "study_id", attempt, batchCount = "batch_count", sliceCount = "slice_count", contextKey = "context_key"
    }
}
