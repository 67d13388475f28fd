/// The elbow of a decreasing, convex curve of within-cluster sums of squares over k (the
/// Kneedle rule of Satopää et al. 2011, as the `kneed` package applies it): scale k and the
/// inertia to [0, 1] over the range tried, and take the k where (1 − inertia) − k is largest
/// (the point farthest above the chord from the first to the last k); ties go to the smaller
/// k. Only k ≥ `atLeast` may be chosen (the curve may start below, e.g. at k = 1 to anchor
/// it). With fewer than three values of k there is no elbow: the first allowed k is returned.
public enum Elbow {
    public static func choose(ks: [Int], inertias: [Double], atLeast minimum: Int = 1) throws -> Int {
        guard ks.count == inertias.count, !ks.isEmpty else {
            throw ClusteringError("\(ks.count) values of k for \(inertias.count) inertias")
        }
        guard let first = ks.firstIndex(where: { $0 >= minimum }) else {
            throw ClusteringError("no k of \(ks) is at least \(minimum)")
        }
        guard ks.count >= 3 else { return ks[first] }
        let k0 = Double(ks.first!), k1 = Double(ks.last!)
        let lo = inertias.min()!, hi = inertias.max()!
        guard k1 > k0, hi > lo else { return ks[first] }
        var best = first, bestScore = -Double.infinity
        for (i, k) in ks.enumerated() where k >= minimum {
            let x = (Double(k) - k0) / (k1 - k0), y = (inertias[i] - lo) / (hi - lo)
            let score = (1 - y) - x
            if score > bestScore + 1e-12 { bestScore = score; best = i }  // ties (to rounding) keep the smaller k
        }
        return ks[best]
    }
}
