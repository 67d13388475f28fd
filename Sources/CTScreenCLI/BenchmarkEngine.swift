import ArgumentParser
import Foundation
import Imaging
import Models
import NeuralEngine

/// Times the classifier and prints one JSON line; `Scripts/bench-engine` calls this with
/// exactly these flags and compares against ONNX Runtime.
struct BenchmarkEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-engine",
        abstract: "Times ResNet-50 forward passes (and Grad-CAM) and prints one JSON line.",
        discussion: """
            Environment, for experiments: CTSCREEN_ENGINE_PROFILE=1 adds per-op times (op_profile); \
            CTSCREEN_ENGINE_WINOGRAD=0, CTSCREEN_ENGINE_WINOGRAD_MIN_TILES (per image), \
            CTSCREEN_ENGINE_COLUMN_BUDGET and CTSCREEN_ENGINE_BATCH_PARTS change the algorithms.
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "Slices per forward pass.")
    var batch: Int = 16

    @OptionGroup var engine: EngineOptions

    @Option(help: "Timed forward passes, after one warm-up pass.")
    var iterations: Int = 5

    @Option(help: "Safetensors file with tensor 'input' [M,3,224,224] to run (timing uses its first slices).")
    var inputs: String?

    @Option(help: "Where to write tensor 'logits' [M,1] for --inputs.")
    var logitsOut: String?

    @Flag(help: "Also time Grad-CAM: extra cost per positive slice beyond its forward.")
    var gradcam = false

    func validate() throws {
        guard batch >= 1, iterations >= 1 else {
            throw ValidationError("--batch and --iterations must be at least 1")
        }
        if logitsOut != nil && inputs == nil { throw ValidationError("--logits-out needs --inputs") }
    }

    func run() throws {
        setBLASThreads(engine.threads)
        // For A/B measurements of the convolution algorithm.
        let env = ProcessInfo.processInfo.environment
        var policy = ConvolutionPolicy.standard
        if env["CTSCREEN_ENGINE_WINOGRAD"] == "0" { policy.winograd = false }
        if env["CTSCREEN_ENGINE_WINOGRAD_F4"] == "0" { policy.winogradF4 = false }
        if let t = env["CTSCREEN_ENGINE_WINOGRAD_MIN_TILES"].flatMap(Int.init) { policy.winogradMinTiles = t }
        if let t = env["CTSCREEN_ENGINE_WINOGRAD_F4_MIN_TILES"].flatMap(Int.init) { policy.winogradF4MinTiles = t }
        if let b = env["CTSCREEN_ENGINE_COLUMN_BUDGET"].flatMap(Int.init), b > 0 { policy.columnBudget = b }
        let parts = env["CTSCREEN_ENGINE_BATCH_PARTS"].flatMap(Int.init).map { max($0, 1) } ?? 2
        let network = try ResNet50(path: model.checkedPath(), batchParts: parts, convolutionPolicy: policy,
                                   foldedForInference: true)
        let plane = 3 * 224 * 224
        var source: Tensor
        if let inputs {
            source = try SafetensorsFile(path: inputs).tensor("input")
            guard source.shape.count == 4, source.shape[0] >= 1, Array(source.shape[1...]) == [3, 224, 224] else {
                throw ValidationError("\(inputs): tensor 'input' has shape \(source.shape), expected [M,3,224,224]")
            }
            let m = source.shape[0]
            var logits = [Float]()
            for start in stride(from: 0, to: m, by: batch) {
                let c = min(batch, m - start)
                let part = Tensor(shape: [c, 3, 224, 224], data: Array(source.data[(start * plane)..<((start + c) * plane)]))
                logits += try network.classify(part).map(\.logit)
            }
            if let logitsOut {
                try SafetensorsWriter.write(["logits": Tensor(shape: [m, 1], data: logits)], to: logitsOut)
            }
        } else {
            source = Self.syntheticInput(count: batch)
        }
        // The timed batch: the inputs' first slices, cycled up to the batch size.
        let m = source.shape[0]
        var data = [Float](repeating: 0, count: batch * plane)
        for i in 0..<batch {
            let s = (i % m) * plane
            data.replaceSubrange((i * plane)..<((i + 1) * plane), with: source.data[s..<(s + plane)])
        }
        let x = Tensor(shape: [batch, 3, 224, 224], data: data)

        _ = try network.classify(x, gradCAMFor: gradcam ? Array(0..<batch) : [])  // warm-up, sizes the workspace
        let (forward, forwardCPU) = try Self.time(iterations) { _ = try network.classify(x) }
        var json: [String: Any] = [
            "batch": batch, "threads": engine.threads,
            "images_per_s": Double(batch * iterations) / forward,
            "forward_ms_per_image": 1000 * forward / Double(batch * iterations),
            // CPU time of the process (all threads): on a loaded machine this is what the
            // work costs, while wall time also counts waiting for a core.
            "cpu_forward_ms_per_image": 1000 * forwardCPU / Double(batch * iterations),
        ]
        if gradcam {
            let (all, allCPU) = try Self.time(iterations) { _ = try network.classify(x, gradCAMFor: Array(0..<batch)) }
            json["gradcam_ms_per_slice"] = 1000 * max(0, all - forward) / Double(batch * iterations)
            json["cpu_gradcam_ms_per_slice"] = 1000 * max(0, allCPU - forwardCPU) / Double(batch * iterations)
            let (one, oneCPU) = try Self.time(iterations) { _ = try network.classify(x, gradCAMFor: [0]) }
            json["gradcam_ms_one_in_batch"] = 1000 * max(0, one - forward) / Double(iterations)
            json["cpu_gradcam_ms_one_in_batch"] = 1000 * max(0, oneCPU - forwardCPU) / Double(iterations)
        }
        json["peak_rss_mb"] = Double(Self.peakRSSBytes()) / 1_048_576
        if OpProfile.enabled {
            // every timed and warm-up pass above; thread-seconds (parts side by side add up)
            var ops: [String: [String: Double]] = [:]
            for r in OpProfile.report() { ops[r.op] = ["s": r.seconds, "calls": Double(r.calls)] }
            json["op_profile"] = ops
        }
        let line = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        print(String(decoding: line, as: UTF8.self))
    }

    /// (wall seconds, process CPU seconds) for k runs of body.
    static func time(_ k: Int, _ body: () throws -> Void) throws -> (Double, Double) {
        let c0 = cpuSeconds(), t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<k { try body() }
        return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, cpuSeconds() - c0)
    }

    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Normalised-image-like values, deterministic (SplitMix64, sum of uniforms).
    static func syntheticInput(count: Int) -> Tensor {
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        func next() -> Float { Float(rng.next() >> 40) / Float(1 << 24) }
        let n = count * 3 * 224 * 224
        var d = [Float](repeating: 0, count: n)
        for i in 0..<n { d[i] = (next() + next() + next() - 1.5) * 2 }
        return Tensor(shape: [count, 3, 224, 224], data: d)
    }

    /// Peak resident set size (VmHWM) of this process; 0 where /proc is absent.
    static func peakRSSBytes() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}
