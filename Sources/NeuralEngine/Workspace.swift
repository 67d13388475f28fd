/// Scratch memory reused across calls: named buffers that only grow. A model instance owns
/// one, so a steady stream of same-sized batches allocates nothing after the first.
/// Not thread-safe: one workspace per model instance, one call at a time.
public final class Workspace {
    private var buffers: [String: UnsafeMutableBufferPointer<Float>] = [:]

    public init() {}

    deinit {
        for b in buffers.values { b.deallocate() }
    }

    /// A buffer of at least `count` floats; contents are whatever was left there.
    public func buffer(_ key: String, count: Int) -> UnsafeMutablePointer<Float> {
        if let b = buffers[key], b.count >= count { return b.baseAddress! }
        if let old = buffers[key] { old.deallocate() }
        let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
        buffers[key] = b
        return b.baseAddress!
    }

    /// Bytes currently held.
    public var byteCount: Int { buffers.values.reduce(0) { $0 + $1.count * 4 } }

    /// Frees every buffer (e.g. after an unusually large batch).
    public func release() {
        for b in buffers.values { b.deallocate() }
        buffers = [:]
    }
}
