import ArgumentParser
import Foundation
import NeuralEngine

/// Averages networks element-wise (a weight average, "model soup"): fine-tuned weights that
/// share one pretrained start can be averaged, and the mean is often steadier than any one.
struct AverageWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average-weights",
        abstract: "Write the element-wise mean of two or more safetensors files of one network.",
        discussion: """
        Every INPUT must hold the same tensor names with the same shapes, and prepare its input \
        the same way (equal ctscreen.input.* metadata, which is copied to OUTPUT). Each value is \
        the mean of the inputs' values, summed in double precision. OUTPUT's metadata records \
        the inputs' file names (averaged_from) and any --metadata given.
        """)

    @Argument(help: "Safetensors file to write.")
    var output: String
    @Argument(help: "Safetensors files to average (two or more).")
    var inputs: [String] = []
    @Option(help: "f16 or f32.")
    var dtype = "f32"
    @Option(name: .customLong("metadata"), parsing: .singleValue, help: "KEY=VALUE stored in the header; repeatable.")
    var metadata: [String] = []

    func validate() throws {
        guard inputs.count >= 2 else { throw ValidationError("give at least two INPUT files to average") }
        guard dtype == "f16" || dtype == "f32" else { throw ValidationError("--dtype must be f16 or f32") }
        for m in metadata where !m.contains("=") { throw ValidationError("--metadata takes KEY=VALUE, got '\(m)'") }
    }

    func run() throws { try reportingErrors("average-weights", average) }

    func average() throws {
        let files = try inputs.map { try SafetensorsFile(path: $0) }
        let first = files[0]
        let preparation = first.metadata.filter { $0.key.hasPrefix("ctscreen.input.") }
        for (file, path) in zip(files, inputs).dropFirst() {
            guard Set(file.tensorNames) == Set(first.tensorNames) else {
                let odd = Set(file.tensorNames).symmetricDifference(first.tensorNames).sorted()
                throw WeightAverageError("\(path) and \(inputs[0]) hold different tensors (\(odd.prefix(3).joined(separator: ", ")))")
            }
            guard file.metadata.filter({ $0.key.hasPrefix("ctscreen.input.") }) == preparation else {
                throw WeightAverageError("\(path) prepares its input differently from \(inputs[0]) (ctscreen.input.* metadata)")
            }
        }
        var tensors: [String: Tensor] = [:]
        for name in first.tensorNames {
            let shape = try first.shape(name)
            var sum = [Double](repeating: 0, count: shape.reduce(1, *))
            for (file, path) in zip(files, inputs) {
                guard try file.shape(name) == shape else {
                    throw WeightAverageError("\(path): \(name) has shape \(try file.shape(name)), \(inputs[0]) \(shape)")
                }
                for (i, v) in try file.tensor(name).data.enumerated() { sum[i] += Double(v) }
            }
            let n = Double(files.count)
            tensors[name] = Tensor(shape: shape, data: sum.map { Float($0 / n) })
        }
        var meta = preparation
        meta["averaged_from"] = inputs.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
        for m in metadata {
            let cut = m.firstIndex(of: "=")!
            meta[String(m[..<cut])] = String(m[m.index(after: cut)...])
        }
        try SafetensorsWriter.write(tensors, to: output, dtype: dtype == "f16" ? .f16 : .f32, metadata: meta)
        print("wrote the mean of \(files.count) files (\(tensors.count) tensors, \(dtype.uppercased())) to \(output)")
    }
}

struct WeightAverageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
