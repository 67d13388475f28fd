/// The elbow of a decreasing, convex curve of within-cluster sums of squares over k (the
/// Kneedle rule of Satopää et al. 2011, as the `kneed` package applies it): scale k and the
/// inertia to [0, 1] over the range tried, and take the k where (1 − inertia) − k is largest
/// (the point farthest above the chord from the first to the last k); ties go to the smaller
/// k. With fewer than three values of k there is no elbow: the first k is returned.
public enum Elbow {
    public static func choose(ks: [Int], inertias: [Double]) throws -> Int {
        guard ks.count == inertias.count, !ks.isEmpty else {
            throw ClusteringError("\(ks.count) values of k for \(inertias.count) inertias")
        }
        guard ks.count >= 3 else { return ks[0] }
        let k0 = Double(ks.first!), k1 = Double(ks.last!)
        let lo = inertias.min()!, hi = inertias.max()!
        guard k1 > k0, hi > lo else { return ks[0] }
        var best = 0, bestScore = -Double.infinity
        for (i, k) in ks.enumerated() {
            let x = (Double(k) - k0) / (k1 - k0), y = (inertias[i] - lo) / (hi - lo)
            let score = (1 - y) - x
            if score > bestScore { bestScore = score; best = i }
        }
        return ks[best]
    }
}
