import COpenBLAS
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide thread settings of the engine.
///
/// The engine does its own threading: OpenBLAS always runs single-threaded in the calling
/// thread. With OpenBLAS's own pool, its idle workers spin between calls and fight the
/// engine's loops for the cores (measured: 40 % more CPU per image on two threads).
///
/// Two ways to use the threads: a caller splits a batch into parts and runs them side by
/// side (`concurrently`), each part single-threaded; or one computation spreads each GEMM
/// (`gemm`) and loop (`parallelFor`) over Dispatch workers.
///
/// Results must not depend on the thread count, and OpenBLAS's do depend on how a product
/// is cut into calls (its kernels round the last column block of a call differently). So
/// every cut is a function of the shapes only: a batch's parts, and `gemm`'s blocks outside
/// of parts (at least 2, run one after the other on one thread).
public enum EngineThreads {
    /// Set from the command line before any engine work starts; read on every GEMM.
    nonisolated(unsafe) static var count = 1

    /// Sets the number of threads for every engine computation of this process.
    public static func set(_ n: Int) {
        count = max(1, n)
        openblas_set_num_threads(1)
    }

    /// Threads the calling thread may use: its share inside `concurrently`, else `count`.
    public static var current: Int {
        let share = partShare
        return share > 0 ? share : count
    }

    /// The calling thread's share of threads while it runs a part (0 outside of parts).
    static var partShare: Int { Int(bitPattern: pthread_getspecific(shareKey)) }

    /// Runs body(p) for every p in 0..<parts, up to `current` parts at the same time, each
    /// part on one thread with its share of the threads for its own loops and GEMMs. For
    /// callers that split a batch into independent parts: no hand-offs inside a layer.
    /// A single part is not a split: it runs as the caller's computation, with its threads.
    public static func concurrently(_ parts: Int, _ body: (Int) -> Void) {
        if parts == 1 {
            body(0)
            return
        }
        let threads = current
        let lanes = max(1, min(parts, threads))
        let share = max(1, threads / lanes)
        // Each part writes only its own outputs: the caller splits the work, not the compiler.
        nonisolated(unsafe) let body = body
        @Sendable func lane(_ l: Int) {
            let outer = pthread_getspecific(shareKey)
            pthread_setspecific(shareKey, UnsafeRawPointer(bitPattern: share))
            defer { pthread_setspecific(shareKey, outer) }
            for p in stride(from: l, to: parts, by: lanes) { body(p) }
        }
        if lanes == 1 {
            lane(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: lanes) { lane($0) }
        }
    }

    /// Set while a thread runs parts of `concurrently`: its share of the threads.
    private static let shareKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// Number of threads for the engine's GEMMs and loops (see `EngineThreads`).
public func setBLASThreads(_ n: Int) {
    EngineThreads.set(n)
}

/// Runs `body(i)` for i in 0..<n, on up to `EngineThreads.current` threads when the work
/// (`n × costPerItem` element operations) is large enough to pay for the hand-off.
@inline(__always)
public func parallelFor(_ n: Int, costPerItem: Int = 1 << 16, _ body: (Int) -> Void) {
    let threads = EngineThreads.current
    if threads <= 1 || n <= 1 || n * costPerItem < 1 << 17 {
        for i in 0..<n { body(i) }
        return
    }
    let chunks = min(threads, n)
    nonisolated(unsafe) let body = body  // disjoint index ranges; the caller's writes stay apart
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = n * c / chunks, hi = n * (c + 1) / chunks
        for i in lo..<hi { body(i) }
    }
}

/// OpenBLAS starts with one thread per core; the engine wants it in the calling thread only.
let openBLASSingleThreaded: Void = openblas_set_num_threads(1)

/// Row-major single-precision GEMM, C[M, N] = alpha · op(A) · op(B) + beta · C. Outside of
/// `EngineThreads.concurrently`'s single-threaded parts, a large product is cut into
/// max(2, threads) blocks of columns of C (or of rows when C is taller than wide), independent
/// single-threaded OpenBLAS calls spread over the engine's threads; the cut depends on the
/// shape only (see `EngineThreads`).
func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
          _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
          beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    _ = openBLASSingleThreaded
    let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
    // Blocks write disjoint rows or columns of C.
    nonisolated(unsafe) let (a, b, c) = (a, b, c)
    @Sendable func call(_ m0: Int, _ m1: Int, _ n0: Int, _ n1: Int) {
        let ap = transA ? a + m0 : a + m0 * lda      // rows m0… of op(A)
        let bp = transB ? b + n0 * ldb : b + n0      // columns n0… of op(B)
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m1 - m0), Int32(n1 - n0), Int32(k), alpha, ap, Int32(lda),
                    bp, Int32(ldb), beta, c + m0 * ldc + n0, Int32(ldc))
    }
    let share = EngineThreads.partShare
    if share == 1 || m * n * k < 1 << 21 {
        call(0, m, 0, n)
        return
    }
    let threads = EngineThreads.current
    let blocks = max(2, threads)
    // Every block packs all of the other operand: column blocks repack A (m×k), row blocks
    // B (k×n). Cut the longer side of C (late layers of one slice: m ≫ n).
    let byColumns = n >= max(m, 64 * blocks)
    let count = byColumns ? blocks : min(blocks, m)
    @Sendable func block(_ p: Int) {
        if byColumns {
            // multiples of 16 so every block keeps whole SIMD panels
            let n0 = (n * p / count) & ~15, n1 = p == count - 1 ? n : (n * (p + 1) / count) & ~15
            if n1 > n0 { call(0, m, n0, n1) }
        } else {
            let m0 = m * p / count, m1 = m * (p + 1) / count
            if m1 > m0 { call(m0, m1, 0, n) }
        }
    }
    let lanes = min(threads, count)
    if lanes <= 1 {
        for p in 0..<count { block(p) }
    } else {
        DispatchQueue.concurrentPerform(iterations: lanes) { t in
            for p in stride(from: t, to: count, by: lanes) { block(p) }
        }
    }
}
