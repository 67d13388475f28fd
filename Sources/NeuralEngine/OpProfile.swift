import Foundation

/// Per-op time, for finding where a forward or backward pass goes. Off unless the process
/// starts with CTSCREEN_ENGINE_PROFILE set; then every `measure` adds its wall time to its
/// op's total (summed over threads: two parts side by side count twice). Off, it costs
/// one branch per op call.
public enum OpProfile {
    public static let enabled = ProcessInfo.processInfo.environment["CTSCREEN_ENGINE_PROFILE"] != nil

    nonisolated(unsafe) private static var totals: [String: (seconds: Double, calls: Int)] = [:]
    private static let lock = NSLock()

    /// Runs body, adding its wall time to `op` when profiling is on.
    @inline(__always)
    static func measure<T>(_ op: String, _ body: () -> T) -> T {
        guard enabled else { return body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = body()
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        lock.lock()
        let old = totals[op] ?? (0, 0)
        totals[op] = (old.seconds + dt, old.calls + 1)
        lock.unlock()
        return r
    }

    /// (op, seconds, calls), largest first.
    public static func report() -> [(op: String, seconds: Double, calls: Int)] {
        lock.lock()
        defer { lock.unlock() }
        return totals.map { ($0.key, $0.value.seconds, $0.value.calls) }.sorted { $0.seconds > $1.seconds }
    }

    public static func reset() {
        lock.lock()
        totals = [:]
        lock.unlock()
    }
}
