import ArgumentParser
import Models
import NeuralEngine

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs one slice through the classifier and writes its logit, probability, Grad-CAM maps and pooled features.")

    @Argument(help: "A safetensors file holding tensor 'input' [1,3,224,224] (already normalised).")
    var input: String

    @Option(help: "ResNet-50 weights (safetensors, torchvision names).")
    var weights: String

    @Option(help: "Output safetensors file: logit, prob, cam28, cam14, cam28_up, cam14_up, fused, pooled.")
    var out: String

    @Option(help: "Threads for the engine.")
    var threads: Int = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        setBLASThreads(threads)
        let model = try ResNet50(path: weights)
        let file = try SafetensorsFile(path: input)
        let tensors = try model.explain(file.tensor("input", shape: [1, 3, 224, 224]))
        try SafetensorsWriter.write(tensors, to: out)
        print("logit \(tensors["logit"]!.data[0]) prob \(tensors["prob"]!.data[0]) → \(out)")
    }
}
