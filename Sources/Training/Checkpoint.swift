import Models
import Foundation
import NeuralEngine

/// A training checkpoint in one safetensors file: the model's tensors under their torchvision
/// names (so the file also loads as weights), Adam's moments as `adam.m.<name>` /
/// `adam.v.<name>`, and in the metadata the epochs done, Adam's step count and the settings
/// that must not change on resume. The data order and augmentation of epoch e are seeded by
/// (seed, e) alone, so (seed, epochs done) is the whole random state.
public struct Checkpoint {
    public static let fileName = "checkpoint.safetensors"

    public var epochsDone: Int
    public var adamStep: Int
    public var seed: UInt64
    public var extra: [String: String]

    public init(epochsDone: Int, adamStep: Int, seed: UInt64, extra: [String: String] = [:]) {
        self.epochsDone = epochsDone
        self.adamStep = adamStep
        self.seed = seed
        self.extra = extra
    }

    /// Writes model, optimiser and state atomically to `path`.
    public func write(model: ResNet50, optimizer: Adam, to path: String) throws {
        var tensors = model.store.tensors()
        let s = model.store
        for i in 0..<s.count {
            tensors["adam.m." + s.names[i]] = Tensor(shape: s.shapes[i], data: optimizer.m[i])
            tensors["adam.v." + s.names[i]] = Tensor(shape: s.shapes[i], data: optimizer.v[i])
        }
        var meta = extra
        meta["epochs_done"] = String(epochsDone)
        meta["adam_step"] = String(adamStep)
        meta["seed"] = String(seed)
        try SafetensorsWriter.write(tensors, to: path, metadata: meta)
    }

    /// Reads a checkpoint: the model from its tensors, Adam's moments into `optimizer`
    /// (which must have been made for that model).
    public static func read(_ path: String) throws -> (checkpoint: Checkpoint, model: ResNet50, file: SafetensorsFile) {
        let file = try SafetensorsFile(path: path)
        let model = try ResNet50(path: path)
        guard let e = file.metadata["epochs_done"].flatMap(Int.init), let t = file.metadata["adam_step"].flatMap(Int.init),
              let seed = file.metadata["seed"].flatMap(UInt64.init) else {
            throw TrainingError("\(path): not a training checkpoint (metadata epochs_done / adam_step / seed missing)")
        }
        var extra = file.metadata
        for k in ["epochs_done", "adam_step", "seed"] { extra[k] = nil }
        return (Checkpoint(epochsDone: e, adamStep: t, seed: seed, extra: extra), model, file)
    }

    /// Loads the saved Adam moments into `optimizer`.
    public static func restore(_ optimizer: Adam, for model: ResNet50, from file: SafetensorsFile, step: Int) throws {
        let s = model.store
        var m: [[Float]] = [], v: [[Float]] = []
        for i in 0..<s.count {
            m.append(try file.tensor("adam.m." + s.names[i], shape: s.shapes[i]).data)
            v.append(try file.tensor("adam.v." + s.names[i], shape: s.shapes[i]).data)
        }
        optimizer.restore(step: step, m: m, v: v)
    }
}

extension ResNet50 {
    /// Writes the model in torchvision layout: F32 for further training, F16 for shipping.
    public func writeWeights(to path: String, dtype: SafetensorsWriter.DType = .f32, metadata: [String: String] = [:]) throws {
        precondition(!foldedForInference, "a model loaded folded for inference keeps no torchvision parameters to write")
        try SafetensorsWriter.write(store.tensors(), to: path, dtype: dtype, metadata: metadata)
    }
}
