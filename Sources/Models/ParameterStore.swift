import NeuralEngine

/// Every trainable tensor of a network with its gradient, under its torchvision name, plus
/// the frozen tensors (BatchNorm running statistics) that are saved but never updated.
/// Layers refer to their tensors by index, so the optimiser and the checkpoint see one flat
/// list in a fixed order.
public final class ParameterStore {
    public private(set) var names: [String] = []
    public private(set) var shapes: [[Int]] = []
    public var values: [[Float]] = []
    public var grads: [[Float]] = []
    /// Whether decoupled weight decay applies (conv and fc weights; not BN γ/β or biases).
    public private(set) var decays: [Bool] = []
    /// Frozen tensors by name (running_mean / running_var).
    public var frozen: [String: Tensor] = [:]
    /// Trainable tensors held fixed for now (stages below `ResNet50.firstTrainedStage`):
    /// the optimiser leaves them alone, weight decay included.
    public var held: [Bool] = []

    /// Counts changes of `values` that the owner was told of (`changed()`), so that a folded
    /// inference copy of the parameters knows when it is stale.
    public private(set) var version = 0

    public init() {}

    /// Marks `values` as changed (the optimiser calls this after each update).
    public func changed() { version += 1 }

    @discardableResult
    package func add(_ name: String, _ t: Tensor, decay: Bool) -> Int {
        names.append(name)
        shapes.append(t.shape)
        values.append(t.data)
        grads.append([])  // allocated by `zeroGradients`: an inference model never needs them
        decays.append(decay)
        held.append(false)
        return names.count - 1
    }

    public var count: Int { names.count }
    public var scalarCount: Int { values.reduce(0) { $0 + $1.count } }

    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// Sets every gradient to zero (allocating them on first use).
    public func zeroGradients() {
        allocateGradients()
        for i in grads.indices { grads[i].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// Gives every tensor a gradient (zeros) where it has none yet; existing ones are kept.
    public func allocateGradients() {
        for i in grads.indices where grads[i].count != values[i].count {
            grads[i] = [Float](repeating: 0, count: values[i].count)
        }
    }

    /// Trainable and frozen tensors in torchvision layout (what `ResNet50` and torch load).
    public func tensors() -> [String: Tensor] {
        var out = frozen
        for i in names.indices { out[names[i]] = Tensor(shape: shapes[i], data: values[i]) }
        return out
    }
}
