import Imaging

/// k-means (Lloyd's iterations) from k-means++ starts, best of several seeded restarts.
/// Deterministic: the same points, k and seed give the same result on every run and machine
/// (one thread, fixed order; ties go to the lower cluster index).
public struct KMeans: Equatable, Sendable {
    public let dimension: Int
    public let k: Int
    /// k rows of `dimension` values, row-major.
    public let centres: [Double]
    public let labels: [Int]
    /// Within-cluster sum of squared distances.
    public let inertia: Double
    public let iterations: Int

    /// Clusters `n` row-major vectors. `restarts` runs start from different k-means++ draws
    /// (seeds derived from `seed`); the one with the lowest inertia is kept. Stops when no
    /// label changes or the centres move by at most `tolerance` (sum of squares).
    public init(points: [Double], dimension d: Int, k: Int, restarts: Int = 10, seed: UInt64 = 0,
                maxIterations: Int = 300, tolerance: Double = 1e-10) throws {
        guard d > 0, points.count % d == 0 else { throw ClusteringError("\(points.count) values are not vectors of \(d)") }
        let n = points.count / d
        guard k >= 1, k <= n else { throw ClusteringError("k = \(k) for \(n) vectors") }
        guard restarts >= 1 else { throw ClusteringError("restarts must be at least 1") }
        var best: (centres: [Double], labels: [Int], inertia: Double, iterations: Int)?
        for r in 0..<restarts {
            var rng = SplitMix64(seed: seed &+ UInt64(r) &* 0x9E37_79B9_7F4A_7C15)
            let start = Self.plusPlus(points, n: n, d: d, k: k, rng: &rng)
            let run = Self.lloyd(points, n: n, d: d, k: k, centres: start, maxIterations: maxIterations, tolerance: tolerance)
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        dimension = d
        self.k = k
        centres = best!.centres
        labels = best!.labels
        inertia = best!.inertia
        iterations = best!.iterations
    }

    /// Squared distance between row `i` of `a` and row `j` of `b`.
    @inline(__always)
    static func distance2(_ a: [Double], _ i: Int, _ b: [Double], _ j: Int, _ d: Int) -> Double {
        var s = 0.0
        for t in 0..<d { let x = a[i * d + t] - b[j * d + t]; s += x * x }
        return s
    }

    /// k-means++ (Arthur & Vassilvitskii 2007): the first centre uniformly, each next one with
    /// probability proportional to the squared distance to the nearest centre so far.
    static func plusPlus(_ p: [Double], n: Int, d: Int, k: Int, rng: inout SplitMix64) -> [Double] {
        let first = Int(rng.next() % UInt64(n))
        var centres = Array(p[(first * d)..<((first + 1) * d)])
        var nearest = (0..<n).map { distance2(p, $0, centres, 0, d) }
        for c in 1..<k {
            let total = nearest.reduce(0, +)
            var chosen = n - 1
            if total > 0 {
                var target = rng.unit() * total
                for i in 0..<n {
                    target -= nearest[i]
                    if target < 0 { chosen = i; break }
                }
            } else {
                chosen = Int(rng.next() % UInt64(n))  // every point is a centre already
            }
            centres += p[(chosen * d)..<((chosen + 1) * d)]
            for i in 0..<n { nearest[i] = min(nearest[i], distance2(p, i, centres, c, d)) }
        }
        return centres
    }

    static func lloyd(_ p: [Double], n: Int, d: Int, k: Int, centres start: [Double], maxIterations: Int,
                      tolerance: Double) -> (centres: [Double], labels: [Int], inertia: Double, iterations: Int) {
        var centres = start
        var labels = [Int](repeating: -1, count: n)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            var changed = false
            for i in 0..<n {
                var bestCluster = 0, bestDistance = Double.infinity
                for c in 0..<k {
                    let dist = distance2(p, i, centres, c, d)
                    if dist < bestDistance { bestDistance = dist; bestCluster = c }
                }
                if labels[i] != bestCluster { labels[i] = bestCluster; changed = true }
            }
            var sums = [Double](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                counts[labels[i]] += 1
                for t in 0..<d { sums[labels[i] * d + t] += p[i * d + t] }
            }
            // An emptied cluster restarts at the point farthest from its own centre.
            for c in 0..<k where counts[c] == 0 {
                let far = (0..<n).max { distance2(p, $0, centres, labels[$0], d) < distance2(p, $1, centres, labels[$1], d) }!
                counts[labels[far]] -= 1
                for t in 0..<d { sums[labels[far] * d + t] -= p[far * d + t]; sums[c * d + t] = p[far * d + t] }
                labels[far] = c
                counts[c] = 1
                changed = true
            }
            var shift = 0.0
            for c in 0..<k {
                for t in 0..<d {
                    let m = sums[c * d + t] / Double(counts[c])
                    shift += (m - centres[c * d + t]) * (m - centres[c * d + t])
                    centres[c * d + t] = m
                }
            }
            if !changed || shift <= tolerance { break }
        }
        // Final labels against the final centres, and their inertia.
        var inertia = 0.0
        for i in 0..<n {
            var bestCluster = 0, bestDistance = Double.infinity
            for c in 0..<k {
                let dist = distance2(p, i, centres, c, d)
                if dist < bestDistance { bestDistance = dist; bestCluster = c }
            }
            labels[i] = bestCluster
            inertia += bestDistance
        }
        return (centres, labels, inertia, iterations)
    }
}
