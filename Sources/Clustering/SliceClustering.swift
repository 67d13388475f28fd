/// The paper's feature-space analysis over many studies: every chosen slice's
/// gradient-weighted features, z-scored per dimension; PCA; k-means++ (seeded restarts) for
/// k = 1…K, k chosen among 2…K by the elbow of the inertia curve (`Elbow`), or a given k.
///
/// Streaming, in three passes over the studies' feature files (one study in memory at a
/// time): z-score statistics; the covariance for PCA; the projections onto the leading
/// `components` principal components, the only per-slice data kept (n × components). k-means
/// runs on those projections: with `components` ≥ the feature dimension it is k-means on the
/// z-scored features themselves; with fewer, on the subspace that holds the share of variance
/// the result reports. The 2-D picture uses the first two components.
public struct SliceClustering: Sendable {
    public struct Settings: Sendable {
        public var components = 50
        public var maxK = 8
        /// A fixed k instead of the elbow's.
        public var k: Int?
        public var restarts = 10
        public var seed: UInt64 = 0
        /// Only slices the classifier called positive.
        public var positiveOnly = false
        public init() {}
    }

    /// One clustered slice.
    public struct Entry: Sendable {
        public var study: Int
        public var slice: Int
        /// Row of the slice in its study's feature and thumbnail files.
        public var row: Int
        public var probability: Double
        public var positive: Bool
        public var cluster: Int
        public var pc1: Double
        public var pc2: Double
    }

    public var studies: [StudyFeatures]
    public var entries: [Entry]
    public var dimension: Int
    public var pca: PrincipalComponents
    /// Inertia per k tried (k = 1…K, or the given k alone).
    public var inertias: [(k: Int, inertia: Double)]
    public var k: Int
    public var kmeans: KMeans
    /// Per cluster, the entries nearest its centre (closest first).
    public var representatives: [[Int]]

    public init(studies: [StudyFeatures], settings: Settings, representativesPerCluster: Int = 8) throws {
        func chosen(_ s: StudyFeatures) -> [Int] { s.slices.indices.filter { !settings.positiveOnly || s.slices[$0].positive } }
        func rows(_ values: [Float], _ d: Int, _ keep: [Int]) -> [Float] { keep.flatMap { values[($0 * d)..<(($0 + 1) * d)] } }
        guard let first = studies.first else { throw ClusteringError("no study outputs with features to cluster") }
        let d = try first.features().dimension
        // Pass 1: z-score statistics.
        var statistics = FeatureStatistics(dimension: d)
        for s in studies {
            let keep = chosen(s)
            try statistics.add(rows(try s.features(dimension: d).values, d, keep), rows: keep.count)
        }
        let n = statistics.count
        guard n >= 2 else { throw ClusteringError("\(n) slice\(n == 1 ? "" : "s") to cluster: at least 2 are needed") }
        // Pass 2: covariance of the z-scored features.
        var accumulator = PrincipalComponents.Accumulator(dimension: d)
        for s in studies {
            let keep = chosen(s)
            try accumulator.add(statistics.zScored(rows(try s.features(dimension: d).values, d, keep)), rows: keep.count)
        }
        let pca = try accumulator.fit(components: min(max(settings.components, 2), d))
        let kept = pca.count
        // Pass 3: projections (the only per-slice data held).
        var projections: [Double] = []
        var entries: [Entry] = []
        for (i, s) in studies.enumerated() {
            let keep = chosen(s)
            let p = try pca.project(statistics.zScored(rows(try s.features(dimension: d).values, d, keep)), rows: keep.count)
            projections += p
            for (j, row) in keep.enumerated() {
                entries.append(Entry(study: i, slice: s.slices[row].index, row: row, probability: s.slices[row].probability,
                                     positive: s.slices[row].positive, cluster: 0, pc1: p[j * kept],
                                     pc2: kept > 1 ? p[j * kept + 1] : 0))
            }
        }
        // The elbow's curve starts at k = 1 (the total sum of squares), so that a drop from one
        // cluster to two can be its elbow; the choice is among k ≥ 2.
        let ks = settings.k.map { [$0] } ?? Array(1...max(2, min(settings.maxK, n)))
        var runs: [KMeans] = []
        for k in ks {
            runs.append(try KMeans(points: projections, dimension: kept, k: k, restarts: settings.restarts, seed: settings.seed))
        }
        let k = try settings.k ?? Elbow.choose(ks: ks, inertias: runs.map(\.inertia), atLeast: 2)
        let best = runs[ks.firstIndex(of: k)!]
        for i in entries.indices { entries[i].cluster = best.labels[i] }
        representatives = (0..<k).map { c in
            let members = entries.indices.filter { best.labels[$0] == c }
            let distances = Dictionary(uniqueKeysWithValues: members.map { ($0, KMeans.distance2(projections, $0, best.centres, c, kept)) })
            return Array(members.sorted { (distances[$0]!, $0) < (distances[$1]!, $1) }.prefix(representativesPerCluster))
        }
        self.studies = studies
        self.entries = entries
        dimension = d
        self.pca = pca
        inertias = zip(ks, runs.map(\.inertia)).map { ($0, $1) }
        self.k = k
        kmeans = best
    }
}
