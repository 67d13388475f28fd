import Dispatch

/// Splits 0..<n into up to 16 contiguous ranges run concurrently (small n runs inline): the
/// per-slice and per-row loops over whole volumes.
public func parallelChunks(_ n: Int, _ body: (Range<Int>) -> Void) {
    guard n > 1 else { if n == 1 { body(0..<1) }; return }
    let chunks = min(n, 16)
    withoutActuallyEscaping(body) { body in
        // The chunks are disjoint ranges; what `body` writes through is the caller's to split.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body((c * n / chunks)..<((c + 1) * n / chunks))
        }
    }
}
