import Foundation
import NeuralEngine

/// A U-Net with a VGG-16 encoder for lung segmentation (TernausNet-16, Iglovikov & Shvets
/// 2018, with bilinear upsampling in its decoder blocks instead of transposed convolutions).
///
/// Layout (widths at full size; read from the weights, so narrower models run too):
/// - encoder: torchvision VGG-16's 13 convolutions (3×3, pad 1, ReLU), named `encoder.N` with
///   `features.N`'s indices, in five stages of 2, 2, 3, 3, 3 (64, 128, 256, 512, 512 channels),
///   each but the first after a 2×2 max pool: conv1 … conv5 (H, H/2 … H/16);
/// - decoder block D(in → mid → out): bilinear ×2 (half-pixel centres), 3×3 conv + ReLU to
///   mid, 3×3 conv + ReLU to out. With f = 32: `center` = D(pool(conv5); 512 → 16f → 8f);
///   `dec5` = D([center, conv5] → 16f → 8f), `dec4` = D([dec5, conv4] → 16f → 8f),
///   `dec3` = D([dec4, conv3] → 8f → 2f), `dec2` = D([dec3, conv2] → 4f → f) ([a, b]: channels
///   of a, then of b);
/// - `dec1` = 3×3 conv + ReLU of [dec2, conv1] → f; `final` = 1×1 conv → 1 logit per pixel.
/// Input [N, 3, H, W] with H and W multiples of 32; output [N, 1, H, W] logits (lung where > 0).
public final class UNet16: @unchecked Sendable {  // immutable after init; `workspace` is per call
    public static let encoderLayers = [[0, 2], [5, 7], [10, 12, 14], [17, 19, 21], [24, 26, 28]]
    static let decoderBlocks = ["center", "dec5", "dec4", "dec3", "dec2"]

    let encoder: [[Conv2D]]
    /// (conv1, conv2) of center, dec5 … dec2.
    let decoder: [(Conv2D, Conv2D)]
    let dec1: Conv2D
    let final: Conv2D

    /// Encoder widths c1…c5 and decoder width f.
    public var widths: (encoder: [Int], decoder: Int) { (encoder.map { $0.last!.outChannels }, dec1.outChannels) }

    public convenience init(path: String) throws {
        let file = try SafetensorsFile(path: path)
        try self.init(source: path, tensor: { try file.tensor($0) })
    }

    /// Every tensor's shape is checked against the layout; a failure names the tensor.
    init(source: String, tensor: (String) throws -> Tensor) throws {
        func conv(_ name: String, in channels: Int, out: Int? = nil, kernel: Int = 3) throws -> Conv2D {
            let w = try tensor(name + ".weight"), b = try tensor(name + ".bias")
            guard w.shape.count == 4, w.shape[0] > 0, w.shape[1] == channels, w.shape[2] == kernel, w.shape[3] == kernel,
                  out == nil || w.shape[0] == out else {
                throw EngineError(.wrongShape, file: source, tensor: name + ".weight",
                                  "shape \(w.shape), expected [\(out.map(String.init) ?? "out"), \(channels), \(kernel), \(kernel)]")
            }
            guard b.shape == [w.shape[0]] else {
                throw EngineError(.wrongShape, file: source, tensor: name + ".bias", "shape \(b.shape), expected [\(w.shape[0])]")
            }
            var c = Conv2D(weight: w.data, bias: b.data, inChannels: channels, outChannels: w.shape[0],
                           kernel: kernel, stride: 1, padding: kernel / 2)
            c.prepareWinogradF4()
            return c
        }
        var channels = 3
        var encoder: [[Conv2D]] = []
        for stage in Self.encoderLayers {
            var convs: [Conv2D] = []
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

    /// Logits [N, 1, H, W] for a batch [N, 3, H, W] (H, W multiples of 32).
    public func forward(_ input: Tensor, workspace: Workspace = Workspace()) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == 3, input.shape[2] % 32 == 0, input.shape[3] % 32 == 0,
              input.shape[0] >= 1, input.shape[2] >= 32, input.shape[3] >= 32 else {
            throw EngineError(.invalidArgument, "U-Net input \(input.shape): expected [N, 3, H, W] with H, W multiples of 32")
        }
        let n = input.shape[0], h = input.shape[2], w = input.shape[3]
        // Planes layout [C][N][H][W] throughout (see Conv2D).
        var x = [Float](repeating: 0, count: input.data.count)
        input.data.withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { Elementwise.swapLeadingAxes(src.baseAddress!, a: n, b: 3, plane: h * w, into: $0.baseAddress!) }
        }
        var skips: [[Float]] = []
        var size = (h, w)
        for (s, stage) in encoder.enumerated() {
            if s > 0 { x = pool(x, channels: stage[0].inChannels, n: n, size); size = (size.0 / 2, size.1 / 2) }
            for c in stage { x = run(c, x, n: n, size, relu: true, workspace: workspace) }
            skips.append(x)
        }
        // center: pool(conv5), then up; each next block takes [previous, skip].
        x = pool(x, channels: encoder[4].last!.outChannels, n: n, size)
        size = (size.0 / 2, size.1 / 2)
        for (b, (c1, c2)) in decoder.enumerated() {
            if b > 0 { x += skips[4 - (b - 1)] }  // channel concatenation in the planes layout
            x = upsample(x, channels: c1.inChannels, n: n, size)
            size = (size.0 * 2, size.1 * 2)
            x = run(c2, run(c1, x, n: n, size, relu: true, workspace: workspace), n: n, size, relu: true, workspace: workspace)
        }
        x += skips[0]
        x = run(dec1, x, n: n, size, relu: true, workspace: workspace)
        x = run(final, x, n: n, size, relu: false, workspace: workspace)
        return Tensor(shape: [n, 1, h, w], data: x)  // one channel: planes = NCHW
    }

    private func run(_ c: Conv2D, _ x: [Float], n: Int, _ size: (Int, Int), relu: Bool, workspace: Workspace) -> [Float] {
        var y = [Float](repeating: 0, count: c.outChannels * n * size.0 * size.1)
        x.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer { dst in
                c.forward(src.baseAddress!, n: n, height: size.0, width: size.1, into: dst.baseAddress!, biasReLU: relu,
                          workspace: workspace)
                if !relu {
                    c.bias.withUnsafeBufferPointer { b in
                        Elementwise.biasActivate(dst.baseAddress!, bias: b.baseAddress!, channels: c.outChannels,
                                                 plane: n * size.0 * size.1, relu: false)
                    }
                }
            }
        }
        return y
    }

    private func pool(_ x: [Float], channels: Int, n: Int, _ size: (Int, Int)) -> [Float] {
        var y = [Float](repeating: 0, count: channels * n * (size.0 / 2) * (size.1 / 2))
        x.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer {
                Pooling.maxPool(src.baseAddress!, planes: channels * n, height: size.0, width: size.1, kernel: 2, stride: 2,
                                padding: 0, into: $0.baseAddress!)
            }
        }
        return y
    }

    private func upsample(_ x: [Float], channels: Int, n: Int, _ size: (Int, Int)) -> [Float] {
        var y = [Float](repeating: 0, count: channels * n * size.0 * size.1 * 4)
        x.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer {
                Resize.bilinearDouble(src.baseAddress!, planes: channels * n, height: size.0, width: size.1, into: $0.baseAddress!)
            }
        }
        return y
    }
}
