import ArgumentParser
import Foundation
import NeuralEngine

/// Re-encodes a safetensors file (e.g. a chosen epoch's F32 weights as F16 for shipping).
struct ConvertWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert-weights",
        abstract: "Write a safetensors file's tensors as F16 or F32 (names and shapes unchanged).",
        discussion: """
        Reads every tensor of INPUT (F32, F16 or BF16) and writes them to OUTPUT in the chosen \
        type, names sorted, with the given metadata. Of INPUT's metadata only the input \
        preparation (ctscreen.input.*: window, scaling, orientation) is copied: it says how the \
        tensors must be used, so it travels with them. F16 \
        rounds to nearest even, as `ctscreen train` does for its F16 files, so converting a \
        run's F32 weights gives the same bytes as the F16 file the run would write.
        """)

    @Argument(help: "Safetensors file to read.")
    var input: String
    @Argument(help: "Safetensors file to write.")
    var output: String
    @Option(help: "f16 or f32.")
    var dtype = "f16"
    @Option(name: .customLong("metadata"), parsing: .singleValue, help: "KEY=VALUE stored in the header; repeatable.")
    var metadata: [String] = []

    func validate() throws {
        guard dtype == "f16" || dtype == "f32" else { throw ValidationError("--dtype must be f16 or f32") }
        for m in metadata where !m.contains("=") { throw ValidationError("--metadata takes KEY=VALUE, got '\(m)'") }
    }

    func run() throws { try reportingErrors("convert-weights", convert) }

    func convert() throws {
        let file = try SafetensorsFile(path: input)
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file.tensor(name) }
        var meta = file.metadata.filter { $0.key.hasPrefix("ctscreen.input.") }
        for m in metadata {
            let cut = m.firstIndex(of: "=")!
            meta[String(m[..<cut])] = String(m[m.index(after: cut)...])
        }
        try SafetensorsWriter.write(tensors, to: output, dtype: dtype == "f16" ? .f16 : .f32, metadata: meta)
        print("wrote \(tensors.count) tensors as \(dtype.uppercased()) to \(output)")
    }
}
