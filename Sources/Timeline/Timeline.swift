import Foundation

/// A patient's studies in time order with the change between them (the second paper's
/// tracking): Corona score, relative Corona score, positive ratio, and focal findings matched
/// to the previous time point.
///
/// Rules, so that every input has a defined result:
/// - A study without a valid study date has no place in time: it is left out, with a note.
/// - Studies on the same day and time (or the same day, both without a time) are ordered by
///   study UID, then key, with a note: they are not merged.
/// - Relative Corona score = score / baseline. The baseline is the first time point's score;
///   when that is 0 it is the first later non-zero score (earlier points are then 0 relative to
///   it), with a note; when every score is 0 there is no relative score.
/// - Findings are matched to the previous time point after aligning the two lungs (centroid and
///   bounding-box extent per axis): greedily by distance, nearest first, within
///   max(10 mm, half the larger longest diameter). A match carries the track number on.
public struct Timeline: Codable, Equatable, Sendable {
    public var patientID: String
    public var points: [Point]
    public var notes: [String]
    /// Key of the time point the relative score is measured against.
    public var baseline: String?

    public struct Point: Codable, Equatable, Sendable {
        public var timePoint: TimePoint
        /// Days since the first time point.
        public var day: Double
        public var relativeCoronaScore: Double?
        public var findings: [FindingChange]
    }

    public struct FindingChange: Codable, Equatable, Sendable {
        /// The finding's id in this study's report.
        public var id: Int
        /// Follows one finding over time (1, 2, … in order of first appearance).
        public var track: Int
        public var volumeCM3: Double
        public var longestDiameterMM: Double
        /// The matched finding of the previous time point; nil when new.
        public var previousID: Int?
        public var volumeChangeCM3: Double?
        public var diameterChangeMM: Double?
    }

    public init(patientID: String, timePoints: [TimePoint]) {
        self.patientID = patientID
        notes = []
        var dated: [(TimePoint, Double)] = []
        for p in timePoints {
            if let day = p.day { dated.append((p, day)) } else {
                notes.append("study \(p.label ?? p.studyID) has no valid study date ('\(p.studyDate)'): left out of the timeline")
            }
        }
        dated.sort { ($0.1, $0.0.studyInstanceUID, $0.0.key) < ($1.1, $1.0.studyInstanceUID, $1.0.key) }
        for i in dated.indices.dropFirst() where dated[i].1 == dated[i - 1].1 {
            notes.append("studies \(dated[i - 1].0.label ?? dated[i - 1].0.studyID) and \(dated[i].0.label ?? dated[i].0.studyID) "
                         + "have the same study date and time: ordered by study UID")
        }
        let scores = dated.map(\.0.coronaScore)
        let baseIndex = scores.firstIndex { $0 > 0 }
        baseline = baseIndex.map { dated[$0].0.key }
        if let b = baseIndex, b > 0 {
            notes.append("the first time point's Corona score is 0: relative scores are against \(dated[b].0.label ?? dated[b].0.studyID)")
        } else if baseIndex == nil, !dated.isEmpty {
            notes.append("every Corona score is 0: no relative score")
        }
        var points: [Point] = []
        var nextTrack = 1
        for (p, day) in dated {
            let relative = baseIndex.map { p.coronaScore / scores[$0] }
            var changes: [FindingChange] = []
            if let previous = points.last {
                changes = Self.match(p, after: previous, nextTrack: &nextTrack)
            } else {
                changes = p.findings.map {
                    defer { nextTrack += 1 }
                    return FindingChange(id: $0.id, track: nextTrack, volumeCM3: $0.volumeCM3, longestDiameterMM: $0.longestDiameterMM)
                }
            }
            points.append(Point(timePoint: p, day: day - (dated.first?.1 ?? day), relativeCoronaScore: relative, findings: changes))
        }
        self.points = points
    }

    /// Matches `p`'s findings to the previous point's after aligning the lungs.
    static func match(_ p: TimePoint, after previous: Point, nextTrack: inout Int) -> [FindingChange] {
        let old = previous.timePoint
        func aligned(_ c: [Double]) -> [Double] {
            guard let c0 = old.lungCentre, let e0 = old.lungExtent, let c1 = p.lungCentre, let e1 = p.lungExtent,
                  c0.count == 3, e0.count == 3, c1.count == 3, e1.count == 3 else { return c }
            return (0..<3).map { (axis: Int) -> Double in
                let scale: Double = e0[axis] > 0 ? e1[axis] / e0[axis] : 1
                return c1[axis] + (c[axis] - c0[axis]) * scale
            }
        }
        var pairs: [(distance: Double, new: Int, old: Int)] = []
        for (i, f) in p.findings.enumerated() {
            for (j, g) in old.findings.enumerated() {
                let a = aligned(g.centreLPS)
                var d2 = 0.0
                for (x, y) in zip(f.centreLPS, a) { d2 += (x - y) * (x - y) }
                let d = d2.squareRoot()
                if d <= max(10, 0.5 * max(f.longestDiameterMM, g.longestDiameterMM)) { pairs.append((d, i, j)) }
            }
        }
        pairs.sort { ($0.distance, $0.new, $0.old) < ($1.distance, $1.new, $1.old) }
        var matchOf: [Int: Int] = [:], taken = Set<Int>()
        for pair in pairs where matchOf[pair.new] == nil && !taken.contains(pair.old) {
            matchOf[pair.new] = pair.old
            taken.insert(pair.old)
        }
        let trackOf = Dictionary(uniqueKeysWithValues: previous.findings.map { ($0.id, $0.track) })
        return p.findings.enumerated().map { i, f in
            guard let j = matchOf[i] else {
                defer { nextTrack += 1 }
                return FindingChange(id: f.id, track: nextTrack, volumeCM3: f.volumeCM3, longestDiameterMM: f.longestDiameterMM)
            }
            let g = old.findings[j]
            return FindingChange(id: f.id, track: trackOf[g.id] ?? 0, volumeCM3: f.volumeCM3, longestDiameterMM: f.longestDiameterMM,
                                 previousID: g.id, volumeChangeCM3: f.volumeCM3 - g.volumeCM3,
                                 diameterChangeMM: f.longestDiameterMM - g.longestDiameterMM)
        }
    }
}
