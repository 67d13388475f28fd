import COpenBLAS

/// Principal components of vectors given a chunk at a time: the covariance (ddof 1, as
/// scikit-learn's `PCA.explained_variance_`) is accumulated with BLAS (`dsyrk`), then its
/// leading eigenvectors come from LAPACK (`dsyevr`). Memory: one d × d matrix, whatever the
/// number of vectors.
///
/// Sign convention (PCA leaves it free): each component is flipped so that its entry of
/// largest magnitude is positive.
public struct PrincipalComponents: Equatable, Sendable {
    public let dimension: Int
    /// `count` rows of `dimension` values, row-major; row i is component i.
    public let components: [Double]
    public let count: Int
    /// Variance along each component (ddof 1), descending.
    public let explainedVariance: [Double]
    /// Each component's share of the total variance.
    public let explainedVarianceRatio: [Double]
    /// Mean of the vectors the components were fitted on (subtracted before projecting).
    public let mean: [Double]

    /// Accumulates XᵀX and the column sums of row-major chunks of vectors.
    public struct Accumulator: Sendable {
        public let dimension: Int
        public private(set) var rows = 0
        private var gram: [Double]
        private var sums: [Double]

        public init(dimension: Int) {
            self.dimension = dimension
            gram = [Double](repeating: 0, count: dimension * dimension)
            sums = [Double](repeating: 0, count: dimension)
        }

        public mutating func add(_ values: [Double], rows n: Int) throws {
            guard values.count == n * dimension else {
                throw ClusteringError("\(values.count) values are not \(n) vectors of \(dimension)")
            }
            guard n > 0 else { return }
            let d = Int32(dimension)
            // Upper triangle of gram += valuesᵀ · values (row-major n × d).
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, Int32(n), 1, values, d, 1, &gram, d)
            for r in 0..<n { for j in 0..<dimension { sums[j] += values[r * dimension + j] } }
            rows += n
        }

        /// The leading `components` principal components of everything added.
        public func fit(components m: Int) throws -> PrincipalComponents {
            let d = dimension
            guard rows >= 2 else { throw ClusteringError("PCA needs at least 2 vectors, got \(rows)") }
            guard m >= 1, m <= d else { throw ClusteringError("\(m) components asked of \(d) dimensions") }
            let n = Double(rows)
            let mean = sums.map { $0 / n }
            // Covariance, upper triangle: (XᵀX − n·μμᵀ) / (n − 1).
            var covariance = [Double](repeating: 0, count: d * d)
            var trace = 0.0
            for i in 0..<d {
                for j in i..<d { covariance[i * d + j] = (gram[i * d + j] - n * mean[i] * mean[j]) / (n - 1) }
                trace += covariance[i * d + i]
            }
            let (values, vectors) = try Self.leadingEigenpairs(of: covariance, dimension: d, count: m)
            var components = vectors
            for c in 0..<m {
                let row = components[(c * d)..<((c + 1) * d)]
                let largest = row.indices.max { abs(row[$0]) < abs(row[$1]) }!
                if components[largest] < 0 { for j in 0..<d { components[c * d + j] = -components[c * d + j] } }
            }
            let variance = values.map { max($0, 0) }
            return PrincipalComponents(dimension: d, components: components, count: m, explainedVariance: variance,
                                       explainedVarianceRatio: variance.map { trace > 0 ? $0 / trace : 0 }, mean: mean)
        }

        /// The `count` largest eigenvalues (descending) and their unit eigenvectors (one per
        /// row) of the symmetric matrix whose upper triangle (row-major) is given.
        static func leadingEigenpairs(of matrix: [Double], dimension d: Int,
                                      count m: Int) throws -> (values: [Double], vectors: [Double]) {
            // Row-major upper = column-major lower: LAPACK reads it as uplo "L".
            var a = matrix
            var n = Int32(d), lda = Int32(d), ldz = Int32(d), il = Int32(d - m + 1), iu = Int32(d)
            var vl = 0.0, vu = 0.0, abstol = 0.0
            var found: Int32 = 0, info: Int32 = 0
            var w = [Double](repeating: 0, count: d)
            var z = [Double](repeating: 0, count: d * m)
            var support = [Int32](repeating: 0, count: 2 * m)
            var lwork: Int32 = -1, liwork: Int32 = -1
            var workSize = 0.0
            var iworkSize: Int32 = 0
            dsyevr_("V", "I", "L", &n, &a, &lda, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &ldz, &support,
                    &workSize, &lwork, &iworkSize, &liwork, &info, 1, 1, 1)
            guard info == 0 else { throw ClusteringError("LAPACK dsyevr workspace query failed (info \(info))") }
            lwork = Int32(workSize)
            liwork = iworkSize
            var work = [Double](repeating: 0, count: Int(lwork))
            var iwork = [Int32](repeating: 0, count: Int(liwork))
            dsyevr_("V", "I", "L", &n, &a, &lda, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &ldz, &support,
                    &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
            guard info == 0, Int(found) == m else {
                throw ClusteringError("LAPACK dsyevr did not converge (info \(info), \(found) of \(m) eigenpairs)")
            }
            // Ascending from LAPACK, each eigenvector a column of z (column-major d × m).
            var values: [Double] = []
            var vectors: [Double] = []
            for c in stride(from: m - 1, through: 0, by: -1) {
                values.append(w[c])
                vectors += z[(c * d)..<((c + 1) * d)]
            }
            return (values, vectors)
        }
    }

    /// Coordinates of row-major vectors along the components: (x − mean) · component.
    public func project(_ values: [Double], rows n: Int) throws -> [Double] {
        guard values.count == n * dimension else {
            throw ClusteringError("\(values.count) values are not \(n) vectors of \(dimension)")
        }
        var centred = values
        for r in 0..<n { for j in 0..<dimension { centred[r * dimension + j] -= mean[j] } }
        var out = [Double](repeating: 0, count: n * count)
        guard n > 0 else { return out }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(count), Int32(dimension), 1,
                    centred, Int32(dimension), components, Int32(dimension), 0, &out, Int32(count))
        return out
    }
}
