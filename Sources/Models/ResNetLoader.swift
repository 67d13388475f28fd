import Imaging
import NeuralEngine

/// Reads torchvision-layout ResNet v1.5 weights into a `ParameterStore`: widths come from the
/// tensors' shapes, block counts from the names present (`layerL.B.conv1.weight`). Every
/// failure is an `EngineError` naming the source and the tensor.
struct ResNetLoader {
    let source: String
    let contains: (String) -> Bool
    /// One tensor by name, any float dtype, as F32.
    let tensor: (String) throws -> Tensor

    struct Network {
        let store: ParameterStore
        let stem: ConvBN
        let layers: [[ResNet50.Block]]
        let fcWeight: Int, fcBias: Int
        let featureCount: Int
        let freshHead: Bool
    }

    func wrongShape(_ name: String, _ reason: String) -> EngineError {
        EngineError(.wrongShape, file: source, tensor: name, reason)
    }

    func load(headSeed: UInt64?) throws -> Network {
        let s = ParameterStore()
        let stem = try convBN("conv1", "bn1", inChannels: 3, kernel: 7, stride: 2, padding: 3, into: s)
        var channels = stem.outChannels
        var layers: [[ResNet50.Block]] = []
        for l in 1...4 {
            var blocks: [ResNet50.Block] = []
            var b = 0
            // A stage with no block still reads block 0, so that it is reported by name.
            while b == 0 || contains("layer\(l).\(b).conv1.weight") {
                let block = try self.block("layer\(l).\(b)", inChannels: channels, stride: (l > 1 && b == 0) ? 2 : 1,
                                           hasDownsample: b == 0, into: s)
                channels = block.conv3.outChannels
                blocks.append(block)
                b += 1
            }
            layers.append(blocks)
        }
        let (fcWeight, fcBias, fresh) = try head(channels: channels, seed: headSeed, into: s)
        return Network(store: s, stem: stem, layers: layers, fcWeight: fcWeight, fcBias: fcBias,
                       featureCount: channels, freshHead: fresh)
    }

    /// `conv.weight` (no bias) and BatchNorm `bn.*`. Output channels are read from the
    /// weight; input channels and kernel are checked.
    func convBN(_ conv: String, _ bn: String, inChannels: Int, kernel: Int, stride: Int, padding: Int,
                into s: ParameterStore) throws -> ConvBN {
        let name = conv + ".weight"
        let w = try tensor(name)
        guard w.shape.count == 4, w.shape[0] > 0, w.shape[1] == inChannels, w.shape[2] == kernel, w.shape[3] == kernel else {
            throw wrongShape(name, "shape \(w.shape), expected [out, \(inChannels), \(kernel), \(kernel)]")
        }
        let out = w.shape[0]
        func vector(_ name: String) throws -> Tensor {
            let t = try tensor(name)
            guard t.shape == [out] else { throw wrongShape(name, "shape \(t.shape), expected [\(out)]") }
            return t
        }
        let mean = try vector(bn + ".running_mean"), variance = try vector(bn + ".running_var")
        if let bad = variance.data.firstIndex(where: { !($0 >= 0) }) {
            throw EngineError(.invalidArgument, file: source, tensor: bn + ".running_var", "value \(bad) is \(variance.data[bad]), must be ≥ 0")
        }
        s.frozen[bn + ".running_mean"] = mean
        s.frozen[bn + ".running_var"] = variance
        return ConvBN(weight: s.add(name, w, decay: true),
                      gamma: s.add(bn + ".weight", try vector(bn + ".weight"), decay: false),
                      beta: s.add(bn + ".bias", try vector(bn + ".bias"), decay: false),
                      meanName: bn + ".running_mean", varianceName: bn + ".running_var",
                      inChannels: inChannels, outChannels: out, kernel: kernel, stride: stride, padding: padding)
    }

    func block(_ p: String, inChannels: Int, stride: Int, hasDownsample: Bool, into s: ParameterStore) throws -> ResNet50.Block {
        let c1 = try convBN(p + ".conv1", p + ".bn1", inChannels: inChannels, kernel: 1, stride: 1, padding: 0, into: s)
        let c2 = try convBN(p + ".conv2", p + ".bn2", inChannels: c1.outChannels, kernel: 3, stride: stride, padding: 1, into: s)
        let c3 = try convBN(p + ".conv3", p + ".bn3", inChannels: c2.outChannels, kernel: 1, stride: 1, padding: 0, into: s)
        var ds: ConvBN?
        if hasDownsample {
            let d = try convBN(p + ".downsample.0", p + ".downsample.1", inChannels: inChannels, kernel: 1, stride: stride,
                               padding: 0, into: s)
            guard d.outChannels == c3.outChannels else {
                throw wrongShape(p + ".downsample.0.weight", "\(d.outChannels) output channels, conv3 has \(c3.outChannels)")
            }
            ds = d
        } else if c3.outChannels != inChannels {
            throw wrongShape(p + ".conv3.weight",
                             "\(c3.outChannels) output channels must equal the block's \(inChannels) inputs (no downsample)")
        }
        return ResNet50.Block(conv1: c1, conv2: c2, conv3: c3, downsample: ds)
    }

    /// The single-logit head, or with a seed a fresh one in place of any other head (torch's
    /// default init: weight U(−1/√C, 1/√C), zero bias).
    func head(channels: Int, seed: UInt64?, into s: ParameterStore) throws -> (weight: Int, bias: Int, fresh: Bool) {
        let w = try tensor("fc.weight"), b = try tensor("fc.bias")
        if w.shape == [1, channels] && b.count == 1 {
            return (s.add("fc.weight", w, decay: true), s.add("fc.bias", Tensor(shape: [1], data: b.data), decay: false), false)
        }
        guard let seed, w.shape.count == 2, w.shape[1] == channels else {
            throw wrongShape("fc.weight", "shape \(w.shape), expected [1, \(channels)]" + (seed == nil ? " (a single logit)" : " or [k, \(channels)]"))
        }
        var rng = SplitMix64(seed: seed)
        let bound = 1 / Float(channels).squareRoot()
        let fresh = (0..<channels).map { _ in (Float(rng.unit()) * 2 - 1) * bound }
        return (s.add("fc.weight", Tensor(shape: [1, channels], data: fresh), decay: true),
                s.add("fc.bias", Tensor(shape: [1], data: [0]), decay: false), true)
    }
}
