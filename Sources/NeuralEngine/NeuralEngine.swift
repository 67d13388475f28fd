import COpenBLAS
import Dispatch

/// Process-wide thread settings of the engine: OpenBLAS's pool for the GEMMs and the
/// number of chunks the engine's own loops (im2col, epilogues) are split into.
public enum EngineThreads {
    nonisolated(unsafe) static var count = 1

    /// Sets the number of threads for every BLAS call and engine loop of this process.
    public static func set(_ n: Int) {
        count = max(1, n)
        openblas_set_num_threads(Int32(count))
    }

    public static var current: Int { count }
}

/// Number of threads OpenBLAS uses for every BLAS call of this process.
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
