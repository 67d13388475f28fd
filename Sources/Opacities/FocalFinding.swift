import Volumes

/// How a focal opacity is classed by its density mix (share of its voxels at or above
/// `FocalOpacitySettings.solidHU`): below `partSolidShare` ground glass, from
/// `solidShare` on solid, part-solid between.
public enum OpacityClass: String, Codable, Sendable {
    case groundGlass = "ground-glass"
    case partSolid = "part-solid"
    case solid
}

/// One connected 3D focal opacity inside the lungs, measured as a radiologist would: volume,
/// RECIST diameters on the axial slice where the longest one is, HU, class and place.
public struct FocalFinding: Codable, Equatable, Sendable {
    /// 1, 2, … by decreasing volume; the value of its voxels in the findings label volume.
    public var id: Int
    public var volumeCM3: Double
    /// Longest diameter on one axial slice (mm, outer pixel edge to outer pixel edge).
    public var longestDiameterMM: Double
    /// Longest extent perpendicular to it on the same slice (mm).
    public var perpendicularDiameterMM: Double
    /// The slice (index in the input grid) the diameters were measured on.
    public var diameterSlice: Int
    public var meanHU: Double
    public var minHU: Double
    public var maxHU: Double
    /// Share of the voxels at or above the solid threshold.
    public var solidShare: Double
    public var kind: OpacityClass
    /// Centroid in patient coordinates (DICOM LPS, mm).
    public var centreLPS: [Double]
    /// "left" or "right" (the patient's), by the side of the lungs' midline the centre lies on.
    public var side: String
    public var voxelCount: Int
    /// Mean of the fused Grad-CAM localisation over the finding's voxels (filled in when the
    /// slices have been classified; nil before).
    public var gradCAMMean: Double?
    /// Share of the finding's voxels inside the diffuse opacity (fused map above the Corona
    /// score's 0.6): where subsystems A and B agree.
    public var gradCAMOverlap: Double?

    public init(id: Int, volumeCM3: Double, longestDiameterMM: Double, perpendicularDiameterMM: Double,
                diameterSlice: Int, meanHU: Double, minHU: Double, maxHU: Double, solidShare: Double,
                kind: OpacityClass, centreLPS: [Double], side: String, voxelCount: Int) {
        self.id = id; self.volumeCM3 = volumeCM3; self.longestDiameterMM = longestDiameterMM
        self.perpendicularDiameterMM = perpendicularDiameterMM; self.diameterSlice = diameterSlice
        self.meanHU = meanHU; self.minHU = minHU; self.maxHU = maxHU; self.solidShare = solidShare
        self.kind = kind; self.centreLPS = centreLPS; self.side = side; self.voxelCount = voxelCount
    }
}

/// The findings of one study and where their voxels are: what travels from the
/// coordinator to the reducer (Codable; voxels as runs of the volume's linear index).
public struct FocalAnalysis: Codable, Equatable, Sendable {
    public var settings: FocalOpacitySettings
    public var findings: [FocalFinding]
    /// Per finding (same order): [start, length, start, length, …] over the linear voxel
    /// index (slice-major, then row, then column), ascending.
    public var voxelRuns: [[Int]]
    public var suppressed: Suppressed

    /// What vessel and wall suppression removed (to show their effect).
    public struct Suppressed: Codable, Equatable, Sendable {
        /// Candidate voxels removed as thin tubes (vessels, airway walls).
        public var tubularVoxels = 0
        /// Findings dropped as branching vessels.
        public var vesselJunctions = 0
        /// Findings dropped as chest wall, diaphragm or mediastinum.
        public var wallContacts = 0
        /// Findings dropped as hilar (against the mediastinum).
        public var mediastinalContacts = 0
        /// Findings dropped as less than 5 mm across in some direction.
        public var tooThin = 0
        public init() {}
    }

    public init(settings: FocalOpacitySettings, findings: [FocalFinding], voxelRuns: [[Int]], suppressed: Suppressed) {
        self.settings = settings; self.findings = findings; self.voxelRuns = voxelRuns; self.suppressed = suppressed
    }

    /// The voxel indices of finding `n` (0-based position in `findings`).
    public func voxels(of n: Int) -> [Int] {
        let runs = voxelRuns[n]
        var out: [Int] = []
        for p in stride(from: 0, to: runs.count - 1, by: 2) { out += runs[p]..<(runs[p] + runs[p + 1]) }
        return out
    }

    /// A label volume of `count` voxels: each finding's voxels hold its id, the rest 0.
    public func labelVolume(count: Int) -> [UInt8] {
        var labels = [UInt8](repeating: 0, count: count)
        for (n, finding) in findings.enumerated() {
            let value = UInt8(min(finding.id, 255))
            for i in voxels(of: n) where i >= 0 && i < count { labels[i] = value }
        }
        return labels
    }

    /// Fills in each finding's agreement with the fused Grad-CAM localisation volume.
    public mutating func measureOverlap(with localization: [Float], threshold: Float = 0.6) {
        for n in findings.indices {
            let voxels = voxels(of: n).filter { $0 >= 0 && $0 < localization.count }
            guard !voxels.isEmpty else { continue }
            var sum = 0.0, inside = 0
            for i in voxels {
                sum += Double(localization[i])
                if localization[i] > threshold { inside += 1 }
            }
            findings[n].gradCAMMean = sum / Double(voxels.count)
            findings[n].gradCAMOverlap = Double(inside) / Double(voxels.count)
        }
    }

    /// Runs of sorted, distinct linear indices.
    static func runs(of sortedIndices: [Int]) -> [Int] {
        var runs: [Int] = []
        for i in sortedIndices {
            if let last = runs.last, runs[runs.count - 2] + last == i { runs[runs.count - 1] += 1 } else { runs += [i, 1] }
        }
        return runs
    }
}
