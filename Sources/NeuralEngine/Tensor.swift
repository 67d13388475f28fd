/// A dense Float32 tensor, row-major (the last index varies fastest). Images are NCHW.
/// This is the exchange type (files, API results); the engine's layers work on raw
/// buffers in the "planes" layout described in `Conv2D.swift`.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor data does not match shape \(shape)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { data.count }
}

/// Element counts of shapes, checked for overflow (shapes come from files).
func elementCount(_ shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        guard d >= 0 else { return nil }
        let (p, o) = n.multipliedReportingOverflow(by: d)
        if o { return nil }
        n = p
    }
    return n
}
