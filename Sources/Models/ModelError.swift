/// The one error type of Models: bad inputs given to a model. Problems with weight files
/// come from NeuralEngine as `EngineError` (they name the file and the tensor).
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
