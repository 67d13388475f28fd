import Foundation
import NeuralEngine

/// A U-Net with a VGG-16 encoder for lung segmentation (TernausNet-16, Iglovikov & Shvets
/// 2018, with bilinear upsampling in its decoder blocks instead of transposed convolutions).
///
/// Layout (widths at full size; read from the weights, so narrower models run too):
/// - encoder: torchvision VGG-16's 13 convolutions (3×3, pad 1, ReLU), named `encoder.N` with
///   `features.N`'s indices, in five stages of 2, 2, 3, 3, 3 (64, 128, 256, 512, 512 channels),
///   each but the first after a 2×2 max pool: conv1 … conv5 (H, H/2 … H/16);
/// - decoder block D(in → mid → out): bilinear ×2 (`Bilinear`, half-pixel centres), 3×3 conv + ReLU to
///   mid, 3×3 conv + ReLU to out. With f = 32: `center` = D(pool(conv5); 512 → 16f → 8f);
///   `dec5` = D([center, conv5] → 16f → 8f), `dec4` = D([dec5, conv4] → 16f → 8f),
///   `dec3` = D([dec4, conv3] → 8f → 2f), `dec2` = D([dec3, conv2] → 4f → f) ([a, b]: channels
///   of a, then of b);
/// - `dec1` = 3×3 conv + ReLU of [dec2, conv1] → f; `final` = 1×1 conv → 1 logit per pixel.
/// Input [N, 3, H, W] with H and W multiples of 32; output [N, 1, H, W] logits (lung where > 0).
public final class UNet16: @unchecked Sendable {  // convolutions rebuilt under `lock` when the store moves
    public static let encoderLayers = [[0, 2], [5, 7], [10, 12, 14], [17, 19, 21], [24, 26, 28]]

    /// One convolution: its tensors in the store and its shape.
    struct Layer: Sendable {
        let name: String
        let weight: Int, bias: Int
        let inChannels: Int, outChannels: Int, kernel: Int
    }

    /// Every weight and bias, under the names above (the optimiser and checkpoints see these).
    public let store = ParameterStore()
    let encoder: [[Layer]]
    /// (conv1, conv2) of center, dec5 … dec2.
    let decoder: [(Layer, Layer)]
    let dec1: Layer
    let final: Layer
    /// Whether convolutions take the Winograd F(4×4) form (inference: yes; training rebuilds
    /// them every step, so no).
    public var forInference = true
    /// Leading encoder stages (0…5) held fixed in training: no gradients, marked held in the
    /// store so the optimiser leaves them alone, and the backward pass stops above them.
    public var frozenEncoderStages = 0 {
        didSet {
            precondition((0...5).contains(frozenEncoderStages), "encoder stages 0…5")
            for (s, stage) in encoder.enumerated() {
                for layer in stage { store.held[layer.weight] = s < frozenEncoderStages; store.held[layer.bias] = s < frozenEncoderStages }
            }
        }
    }
    private let lock = NSLock()
    private var built: (version: Int, convs: [String: Conv2D])?

    /// Encoder widths c1…c5 and decoder width f.
    public var widths: (encoder: [Int], decoder: Int) { (encoder.map { $0.last!.outChannels }, dec1.outChannels) }

    public convenience init(path: String) throws {
        let file = try SafetensorsFile(path: path)
        try self.init(source: path, tensor: { try file.tensor($0) })
    }

    /// Every tensor's shape is checked against the layout; a failure names the tensor.
    public init(source: String, tensor: (String) throws -> Tensor) throws {
        let store = self.store
        func conv(_ name: String, in channels: Int, out: Int? = nil, kernel: Int = 3) throws -> Layer {
            let w = try tensor(name + ".weight"), b = try tensor(name + ".bias")
            guard w.shape.count == 4, w.shape[0] > 0, w.shape[1] == channels, w.shape[2] == kernel, w.shape[3] == kernel,
                  out == nil || w.shape[0] == out else {
                throw EngineError(.wrongShape, file: source, tensor: name + ".weight",
                                  "shape \(w.shape), expected [\(out.map(String.init) ?? "out"), \(channels), \(kernel), \(kernel)]")
            }
            guard b.shape == [w.shape[0]] else {
                throw EngineError(.wrongShape, file: source, tensor: name + ".bias", "shape \(b.shape), expected [\(w.shape[0])]")
            }
            return Layer(name: name, weight: store.add(name + ".weight", w, decay: true), bias: store.add(name + ".bias", b, decay: false),
                         inChannels: channels, outChannels: w.shape[0], kernel: kernel)
        }
        var channels = 3
        var encoder: [[Layer]] = []
        for stage in Self.encoderLayers {
            var convs: [Layer] = []
            for index in stage {
                let c = try conv("encoder.\(index)", in: channels)
                channels = c.outChannels
                convs.append(c)
            }
            encoder.append(convs)
        }
        let skips = encoder.map { $0.last!.outChannels }
        // The decoder width f from dec1 (f outputs), then every block checked against it.
        let f = try tensor("dec1.weight").shape.first ?? 0
        guard f > 0 else { throw EngineError(.wrongShape, file: source, tensor: "dec1.weight", "no output channels") }
        let plan: [(String, Int, Int, Int)] = [  // name, in, mid, out
            ("center", skips[4], 16 * f, 8 * f), ("dec5", 8 * f + skips[4], 16 * f, 8 * f),
            ("dec4", 8 * f + skips[3], 16 * f, 8 * f), ("dec3", 8 * f + skips[2], 8 * f, 2 * f),
            ("dec2", 2 * f + skips[1], 4 * f, f),
        ]
        decoder = try plan.map { name, input, mid, out in
            (try conv("\(name).conv1", in: input, out: mid), try conv("\(name).conv2", in: mid, out: out))
        }
        dec1 = try conv("dec1", in: f + skips[0], out: f)
        final = try conv("final", in: f, out: 1, kernel: 1)
        self.encoder = encoder
    }

    /// The convolutions with the store's current values (rebuilt after the store changed).
    func convolutions() -> [String: Conv2D] {
        lock.lock()
        defer { lock.unlock() }
        if let built, built.version == store.version { return built.convs }
        var convs: [String: Conv2D] = [:]
        for layer in encoder.flatMap({ $0 }) + decoder.flatMap({ [$0.0, $0.1] }) + [dec1, final] {
            var c = Conv2D(weight: store.values[layer.weight], bias: store.values[layer.bias], inChannels: layer.inChannels,
                           outChannels: layer.outChannels, kernel: layer.kernel, stride: 1, padding: layer.kernel / 2)
            if forInference { c.prepareWinogradF4() }
            convs[layer.name] = c
        }
        built = (store.version, convs)
        return convs
    }

    /// Logits [N, 1, H, W] for a batch [N, 3, H, W] (H, W multiples of 32).
    public func forward(_ input: Tensor, workspace: Workspace = Workspace()) throws -> Tensor {
        try pass(input, keep: false, workspace: workspace).logits
    }
}
