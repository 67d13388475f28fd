/// Per-dimension mean and population standard deviation of feature vectors, accumulated one
/// chunk at a time (Welford / Chan et al.), so thousands of studies never sit in memory at
/// once. z-scoring divides by the population deviation (ddof 0, as scikit-learn's
/// `StandardScaler`); a dimension that never varies maps to 0.
public struct FeatureStatistics: Equatable, Sendable {
    public let dimension: Int
    public private(set) var count = 0
    public private(set) var mean: [Double]
    /// Sum of squared deviations from the mean, per dimension.
    private var squares: [Double]

    public init(dimension: Int) {
        self.dimension = dimension
        mean = [Double](repeating: 0, count: dimension)
        squares = [Double](repeating: 0, count: dimension)
    }

    /// Adds `rows` vectors stored row-major in `values`.
    public mutating func add(_ values: [Float], rows: Int) throws {
        guard values.count == rows * dimension else {
            throw ClusteringError("\(values.count) values are not \(rows) vectors of \(dimension)")
        }
        for r in 0..<rows {
            count += 1
            let n = Double(count)
            for j in 0..<dimension {
                let x = Double(values[r * dimension + j])
                let delta = x - mean[j]
                mean[j] += delta / n
                squares[j] += delta * (x - mean[j])
            }
        }
    }

    /// Population standard deviation per dimension.
    public var standardDeviation: [Double] {
        squares.map { count > 0 ? ($0 / Double(count)).squareRoot() : 0 }
    }

    /// `values` (row-major vectors) z-scored: (x − mean) / deviation, 0 where the deviation is 0.
    public func zScored(_ values: [Float]) -> [Double] {
        let scale = standardDeviation.map { $0 > 0 ? 1 / $0 : 0 }
        return values.indices.map { i in
            let j = i % dimension
            return (Double(values[i]) - mean[j]) * scale[j]
        }
    }
}
