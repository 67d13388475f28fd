import NeuralEngine

/// One bottleneck block of ResNet-50 v1.5: 1×1 → 3×3 (stride here) → 1×1, with BN folded.
public struct Bottleneck: Sendable {
    public let conv1: Conv2D, conv2: Conv2D, conv3: Conv2D
    public let downsample: Conv2D?
    /// conv3's bias plus the downsample's: both GEMMs accumulate into one output buffer.
    let outputBias: [Float]

    public var inChannels: Int { conv1.inChannels }
    public var width: Int { conv1.outChannels }
    public var outChannels: Int { conv3.outChannels }
    public var stride: Int { conv2.stride }
}

/// Reads torchvision-layout ResNet-50 weights; widths come from the tensors' shapes.
struct ResNetLoader {
    let file: SafetensorsFile

    func vector(_ name: String, count: Int) throws -> [Float] {
        try file.tensor(name, shape: [count]).data
    }

    /// `prefix.weight` (conv, no bias) + BatchNorm `bn.*`, folded. Output channels are read
    /// from the weight; input channels and kernel are checked.
    func convBN(_ conv: String, _ bn: String, inChannels: Int, kernel: Int, stride: Int, padding: Int) throws -> Conv2D {
        let name = conv + ".weight"
        let shape = try file.shape(name)
        guard shape.count == 4, shape[0] > 0 else {
            throw EngineError(.wrongShape, file: file.name, tensor: name, "shape \(shape), expected [out, \(inChannels), \(kernel), \(kernel)]")
        }
        let out = shape[0]
        let w = try file.tensor(name, shape: [out, inChannels, kernel, kernel])
        return Conv2D.foldingBatchNorm(
            weight: w.data, inChannels: inChannels, outChannels: out, kernel: kernel, stride: stride, padding: padding,
            gamma: try vector(bn + ".weight", count: out), beta: try vector(bn + ".bias", count: out),
            mean: try vector(bn + ".running_mean", count: out), variance: try vector(bn + ".running_var", count: out))
    }

    func block(_ p: String, inChannels: Int, stride: Int, hasDownsample: Bool) throws -> Bottleneck {
        let c1 = try convBN(p + ".conv1", p + ".bn1", inChannels: inChannels, kernel: 1, stride: 1, padding: 0)
        var c2 = try convBN(p + ".conv2", p + ".bn2", inChannels: c1.outChannels, kernel: 3, stride: stride, padding: 1)
        c2.prepareWinogradF4()
        let c3 = try convBN(p + ".conv3", p + ".bn3", inChannels: c2.outChannels, kernel: 1, stride: 1, padding: 0)
        var ds: Conv2D?
        var bias = c3.bias
        if hasDownsample {
            let d = try convBN(p + ".downsample.0", p + ".downsample.1", inChannels: inChannels, kernel: 1, stride: stride, padding: 0)
            guard d.outChannels == c3.outChannels else {
                throw EngineError(.wrongShape, file: file.name, tensor: p + ".downsample.0.weight",
                                  "\(d.outChannels) output channels, conv3 has \(c3.outChannels)")
            }
            for i in bias.indices { bias[i] += d.bias[i] }
            ds = d
        } else if c3.outChannels != inChannels {
            throw EngineError(.wrongShape, file: file.name, tensor: p + ".conv3.weight",
                              "\(c3.outChannels) output channels must equal the block's \(inChannels) inputs (no downsample)")
        }
        return Bottleneck(conv1: c1, conv2: c2, conv3: c3, downsample: ds, outputBias: bias)
    }
}
