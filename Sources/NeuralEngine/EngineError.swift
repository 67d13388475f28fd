/// The one error type of NeuralEngine: every failure names the file and, where there is one,
/// the tensor, so a bad weights file is diagnosed from the message alone.
public struct EngineError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        case missingTensor = "missing tensor"
        case wrongShape = "wrong shape"
        case wrongDType = "wrong dtype"
        case truncatedFile = "truncated file"
        case corruptHeader = "corrupt header"
        case io = "I/O error"
        case invalidArgument = "invalid argument"
    }

    public let kind: Kind
    /// File the error is about ("" when none).
    public let file: String
    /// Tensor the error is about ("" when none).
    public let tensor: String
    public let reason: String

    public init(_ kind: Kind, file: String = "", tensor: String = "", _ reason: String) {
        self.kind = kind
        self.file = file
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String {
        var s = kind.rawValue
        if !tensor.isEmpty { s += " '\(tensor)'" }
        if !file.isEmpty { s += " in \(file)" }
        return s + ": " + reason
    }
}
