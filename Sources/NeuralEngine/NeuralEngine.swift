import COpenBLAS
import Dispatch

/// Process-wide thread settings of the engine.
///
/// The engine does its own threading: OpenBLAS always runs single-threaded in the calling
/// thread, and `gemm` splits each product into column (or row) blocks over
/// `EngineThreads.current` Dispatch workers, the same workers that run im2col, the Winograd
/// transforms and the epilogues. With OpenBLAS's own pool, its idle workers spin between
/// calls and fight the engine's loops for the cores (measured: 40 % more CPU per image on
/// two threads); one pool for everything avoids that.
public enum EngineThreads {
    nonisolated(unsafe) static var count = 1

    /// Sets the number of threads for every engine computation of this process.
    public static func set(_ n: Int) {
        count = max(1, n)
        openblas_set_num_threads(1)
    }

    public static var current: Int { count }
}

/// Number of threads for the engine's GEMMs and loops (see `EngineThreads`).
public func setBLASThreads(_ n: Int) {
    EngineThreads.set(n)
}

/// Runs `body(i)` for i in 0..<n, on up to `EngineThreads.current` threads when the work
/// (`n × costPerItem` element operations) is large enough to pay for the hand-off.
@inline(__always)
func parallelFor(_ n: Int, costPerItem: Int = 1 << 16, _ body: (Int) -> Void) {
    let threads = EngineThreads.count
    if threads <= 1 || n <= 1 || n * costPerItem < 1 << 17 {
        for i in 0..<n { body(i) }
        return
    }
    let chunks = min(threads, n)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = n * c / chunks, hi = n * (c + 1) / chunks
        for i in lo..<hi { body(i) }
    }
}

/// OpenBLAS starts with one thread per core; the engine wants it in the calling thread only.
let openBLASSingleThreaded: Void = openblas_set_num_threads(1)

/// Row-major single-precision GEMM, C[M, N] = alpha · op(A) · op(B) + beta · C, split over the
/// engine's threads by blocks of columns of C (or of rows when C is narrow). Each block is
/// an independent single-threaded OpenBLAS call.
func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
          _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
          beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    _ = openBLASSingleThreaded
    let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
    let threads = EngineThreads.count
    func call(_ m0: Int, _ m1: Int, _ n0: Int, _ n1: Int) {
        let ap = transA ? a + m0 : a + m0 * lda      // rows m0… of op(A)
        let bp = transB ? b + n0 * ldb : b + n0      // columns n0… of op(B)
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m1 - m0), Int32(n1 - n0), Int32(k), alpha, ap, Int32(lda),
                    bp, Int32(ldb), beta, c + m0 * ldc + n0, Int32(ldc))
    }
    if threads <= 1 || m * n * k < 1 << 21 {
        call(0, m, 0, n)
        return
    }
    if n >= 64 * threads {
        // column blocks, multiples of 16 so every block keeps whole SIMD panels
        let parts = threads
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let n0 = (n * p / parts) & ~15, n1 = p == parts - 1 ? n : (n * (p + 1) / parts) & ~15
            if n1 > n0 { call(0, m, n0, n1) }
        }
    } else {
        let parts = min(threads, m)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let m0 = m * p / parts, m1 = m * (p + 1) / parts
            if m1 > m0 { call(m0, m1, 0, n) }
        }
    }
}
