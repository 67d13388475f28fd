import Foundation
import Imaging
import Models
import NeuralEngine

/// Starting weights of the lung U-Net (`UNet16`'s layout): the encoder from a pretrained
/// VGG-16 file when given (`encoder.N.*`, e.g. from `Scripts/import-vgg16.py`), else seeded
/// He-normal; the decoder always seeded He-normal, biases 0; the 1×1 head zero.
public enum UNetWeights {
    public static let fullEncoder = [64, 128, 256, 512, 512]

    public static func initial(encoder widths: [Int] = fullEncoder, decoder f: Int = 32, seed: UInt64 = 1,
                               pretrained: [String: Tensor] = [:]) throws -> [String: Tensor] {
        precondition(widths.count == 5 && f > 0, "U-Net widths")
        var rng = SplitMix64(seed: seed)
        var out: [String: Tensor] = [:]
        func conv(_ name: String, _ o: Int, _ i: Int, _ k: Int = 3) {
            let sd = (2.0 / Double(i * k * k)).squareRoot()
            out[name + ".weight"] = Tensor(shape: [o, i, k, k], data: (0..<(o * i * k * k)).map { _ in Float(rng.gaussian() * sd) })
            out[name + ".bias"] = Tensor(zeros: [o])
        }
        var channels = 3
        for (stage, indices) in UNet16.encoderLayers.enumerated() {
            for index in indices {
                let name = "encoder.\(index)"
                if let w = pretrained[name + ".weight"], let b = pretrained[name + ".bias"] {
                    guard w.shape == [widths[stage], channels, 3, 3], b.shape == [widths[stage]] else {
                        throw TrainingError("pretrained \(name): shape \(w.shape), the U-Net needs [\(widths[stage]), \(channels), 3, 3]")
                    }
                    out[name + ".weight"] = w
                    out[name + ".bias"] = b
                } else {
                    conv(name, widths[stage], channels)
                }
                channels = widths[stage]
            }
        }
        let s = widths
        for (name, input, mid, outC) in [("center", s[4], 16 * f, 8 * f), ("dec5", 8 * f + s[4], 16 * f, 8 * f),
                                         ("dec4", 8 * f + s[3], 16 * f, 8 * f), ("dec3", 8 * f + s[2], 8 * f, 2 * f),
                                         ("dec2", 2 * f + s[1], 4 * f, f)] {
            conv("\(name).conv1", mid, input)
            conv("\(name).conv2", outC, mid)
        }
        conv("dec1", f, f + s[0])
        // The head starts at zero: every logit 0 (p = ½) whatever the scale of the pretrained
        // encoder's activations (Caffe VGG-16 takes 0–255 inputs), so the first steps do not
        // start from a loss in the hundreds.
        out["final.weight"] = Tensor(zeros: [1, f, 1, 1])
        out["final.bias"] = Tensor(zeros: [1])
        return out
    }
}

/// One optimisation step after another on the lung U-Net: forward with a tape, BCE + Dice,
/// backward, Adam.
public final class UNetTrainer {
    public let network: UNet16
    public let adam: Adam
    private let workspace = Workspace()

    public init(network: UNet16, learningRate: Double, weightDecay: Double = 0) {
        network.forInference = false
        self.network = network
        adam = Adam(store: network.store, learningRate: learningRate, weightDecay: weightDecay)
    }

    /// One step on `count` images: `inputs` [count, 3, size, size], `labels` [count, size, size] of 0/1.
    public func step(inputs: [Float], labels: [Float], count: Int, size: Int) throws -> (loss: Double, bce: Double, dice: Double) {
        let tape = try network.trainingForward(Tensor(shape: [count, 3, size, size], data: inputs), workspace: workspace)
        let l = SegmentationLoss.lossAndGradient(logits: tape.logits.data, labels: labels, images: count)
        network.store.zeroGradients()
        network.backward(tape, gradient: l.gradient, workspace: workspace)
        adam.update(network.store)
        return (l.loss, l.bce, l.dice)
    }

    /// Hard Dice (logit > 0 against label) of each image.
    public func dice(inputs: [Float], labels: [Float], count: Int, size: Int) throws -> [Double] {
        let logits = try network.forward(Tensor(shape: [count, 3, size, size], data: inputs), workspace: workspace).data
        let plane = size * size
        return (0..<count).map { n in
            var both = 0, a = 0, b = 0
            for i in (n * plane)..<((n + 1) * plane) {
                let x = logits[i] > 0, y = labels[i] > 0.5
                if x { a += 1 }
                if y { b += 1 }
                if x && y { both += 1 }
            }
            return a + b == 0 ? 1 : 2 * Double(both) / Double(a + b)
        }
    }
}
