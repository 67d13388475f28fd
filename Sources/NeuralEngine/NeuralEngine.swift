import COpenBLAS

/// Number of threads OpenBLAS uses for every BLAS call of this process.
public func setBLASThreads(_ n: Int) {
    openblas_set_num_threads(Int32(max(1, n)))
}
