import Foundation
import NeuralEngine

/// A torchvision-layout ResNet v1.5 (bottleneck blocks, stride on the 3×3 conv, a downsample
/// in block 0 of every layer) with a single-logit head, for training: the tensors live in a
/// `ParameterStore` (torchvision names). BatchNorm runs in inference mode with frozen
/// statistics unless `batchNormMomentum` is set (see `ConvBN`). Widths and the number of blocks per layer are read from the weights, so the
/// narrow fixture model and small test networks load as well as a full ResNet-50.
///
/// Not thread-safe (one workspace per instance); thread count is `EngineThreads`.
public final class TrainableResNet {
    struct Block {
        let conv1: ConvBN, conv2: ConvBN, conv3: ConvBN
        let downsample: ConvBN?
    }

    public let store = ParameterStore()
    let stem: ConvBN
    let layers: [[Block]]
    let fcWeight: Int, fcBias: Int
    public let featureCount: Int
    let workspace = Workspace()
    /// Whether the head was replaced by a fresh single logit (the file had another fc).
    public let freshHead: Bool

    public var blockCounts: [Int] { layers.map(\.count) }

    /// The stages a training step updates: 0 the stem and everything after it (default),
    /// 1…4 from layer1…layer4 on, 5 the fc head alone (a linear probe). The backward pass
    /// stops where the trained stages begin, so held stages cost no backward time.
    public private(set) var firstTrainedStage = 0

    /// Trains only the stages from `stage` on (see `firstTrainedStage`).
    public func train(fromStage stage: Int) {
        precondition((0...5).contains(stage), "stage 0 (stem) … 5 (fc)")
        firstTrainedStage = stage
        for (i, name) in store.names.enumerated() { store.held[i] = Self.stage(of: name) < stage }
    }

    /// The stage a torchvision tensor name belongs to: conv1/bn1 0, layerK K, fc 5.
    static func stage(of name: String) -> Int {
        if name.hasPrefix("fc.") { return 5 }
        for k in 1...4 where name.hasPrefix("layer\(k).") { return k }
        return 0
    }

    /// nil: BatchNorm with frozen running statistics while training (fine-tuning). A value:
    /// training steps normalise with the batch's statistics and move the running ones by
    /// this momentum (torch's default is 0.1). Evaluation always uses the running ones.
    public var batchNormMomentum: Double?

    /// Seconds spent per phase since the last reset ("forward" incl. folding, "backward"
    /// incl. "weight gradients", "adam"), for the throughput report.
    public var phaseSeconds: [String: Double] = [:]

    public convenience init(path: String, headSeed: UInt64 = 1) throws {
        let file = try SafetensorsFile(path: path)
        try self.init(named: file.name, headSeed: headSeed, contains: file.contains) { try file.tensor($0) }
    }

    public convenience init(tensors: [String: Tensor], headSeed: UInt64 = 1) throws {
        try self.init(named: "weights", headSeed: headSeed, contains: { tensors[$0] != nil }) { name in
            guard let t = tensors[name] else { throw TrainingError("weights: no tensor \(name)") }
            return t
        }
    }

    /// `tensor` reads one tensor by name (any float dtype, returned as F32).
    init(named source: String, headSeed: UInt64, contains: (String) -> Bool, tensor: (String) throws -> Tensor) throws {
        let s = store
        func convBN(_ conv: String, _ bn: String, inChannels: Int, kernel: Int, stride: Int, padding: Int) throws -> ConvBN {
            let w = try tensor(conv + ".weight")
            guard w.shape.count == 4, w.shape[0] > 0, w.shape[1] == inChannels, w.shape[2] == kernel, w.shape[3] == kernel else {
                throw TrainingError("\(source): \(conv).weight has shape \(w.shape), expected [out, \(inChannels), \(kernel), \(kernel)]")
            }
            let out = w.shape[0]
            func vec(_ name: String) throws -> Tensor {
                let t = try tensor(name)
                guard t.count == out else { throw TrainingError("\(source): \(name) has \(t.count) values, expected \(out)") }
                return Tensor(shape: [out], data: t.data)
            }
            let mean = try vec(bn + ".running_mean"), variance = try vec(bn + ".running_var")
            s.frozen[bn + ".running_mean"] = mean
            s.frozen[bn + ".running_var"] = variance
            if let bad = variance.data.firstIndex(where: { !($0 >= 0) }) {
                throw TrainingError("\(source): \(bn).running_var[\(bad)] is \(variance.data[bad]), must be ≥ 0")
            }
            return ConvBN(weight: s.add(conv + ".weight", w, decay: true),
                          gamma: s.add(bn + ".weight", try vec(bn + ".weight"), decay: false),
                          beta: s.add(bn + ".bias", try vec(bn + ".bias"), decay: false),
                          meanName: bn + ".running_mean", varianceName: bn + ".running_var",
                          inChannels: inChannels, outChannels: out,
                          kernel: kernel, stride: stride, padding: padding)
        }
        stem = try convBN("conv1", "bn1", inChannels: 3, kernel: 7, stride: 2, padding: 3)
        var channels = stem.outChannels
        var layers: [[Block]] = []
        for l in 1...4 {
            var blocks: [Block] = []
            var b = 0
            while contains("layer\(l).\(b).conv1.weight") {
                let p = "layer\(l).\(b)"
                let stride = (l > 1 && b == 0) ? 2 : 1
                let c1 = try convBN(p + ".conv1", p + ".bn1", inChannels: channels, kernel: 1, stride: 1, padding: 0)
                let c2 = try convBN(p + ".conv2", p + ".bn2", inChannels: c1.outChannels, kernel: 3, stride: stride, padding: 1)
                let c3 = try convBN(p + ".conv3", p + ".bn3", inChannels: c2.outChannels, kernel: 1, stride: 1, padding: 0)
                var ds: ConvBN?
                if b == 0 {
                    ds = try convBN(p + ".downsample.0", p + ".downsample.1", inChannels: channels, kernel: 1, stride: stride, padding: 0)
                    guard ds?.outChannels == c3.outChannels else {
                        throw TrainingError("\(source): \(p).downsample.0 and conv3 disagree on output channels")
                    }
                } else if c3.outChannels != channels {
                    throw TrainingError("\(source): \(p).conv3 has \(c3.outChannels) outputs, the block's input has \(channels)")
                }
                blocks.append(Block(conv1: c1, conv2: c2, conv3: c3, downsample: ds))
                channels = c3.outChannels
                b += 1
            }
            guard !blocks.isEmpty else { throw TrainingError("\(source): no blocks in layer\(l) (missing layer\(l).0.conv1.weight)") }
            layers.append(blocks)
        }
        self.layers = layers
        featureCount = channels
        let fcw = try tensor("fc.weight"), fcb = try tensor("fc.bias")
        if fcw.shape == [1, channels] && fcb.count == 1 {
            freshHead = false
            fcWeight = s.add("fc.weight", fcw, decay: true)
            fcBias = s.add("fc.bias", Tensor(shape: [1], data: fcb.data), decay: false)
        } else if fcw.shape.count == 2 && fcw.shape[1] == channels {
            // e.g. ImageNet's 1000 classes: a new single-logit head, torch's default init
            // U(−1/√C, 1/√C) for the weight, zero bias.
            freshHead = true
            var rng = HeadRandom(seed: headSeed)
            let bound = 1 / Float(channels).squareRoot()
            let w = (0..<channels).map { _ in (Float(rng.unit()) * 2 - 1) * bound }
            fcWeight = s.add("fc.weight", Tensor(shape: [1, channels], data: w), decay: true)
            fcBias = s.add("fc.bias", Tensor(shape: [1], data: [0]), decay: false)
        } else {
            throw TrainingError("\(source): fc.weight has shape \(fcw.shape), expected [k, \(channels)]")
        }
    }
}

/// SplitMix64, local so the module's seeded draws do not depend on other modules' generators.
struct HeadRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
