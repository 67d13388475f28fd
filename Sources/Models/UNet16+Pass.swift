import Imaging
import NeuralEngine

/// The U-Net's forward pass, keeping what its backward pass needs when training, and the
/// backward pass itself (parameter gradients into the store), each op's adjoint in the order
/// the forward ran them: conv (+ ReLU), 2×2 max pool, bilinear ×2, channel concatenation.
extension UNet16 {
    /// What the forward pass kept for the backward pass (planes layout [C][N][H][W]).
    public struct Tape {
        public var logits: Tensor
        let n: Int
        /// Each convolution's input and (post-ReLU) output, and its spatial size.
        var inputs: [String: [Float]] = [:]
        var outputs: [String: [Float]] = [:]
        var sizes: [String: (Int, Int)] = [:]
        /// Encoder stage outputs (the skips, also the pools' inputs) and their sizes.
        var skips: [[Float]] = []
        var skipSizes: [(Int, Int)] = []
    }

    func pass(_ input: Tensor, keep: Bool, workspace: Workspace) throws -> Tape {
        guard input.shape.count == 4, input.shape[1] == 3, input.shape[2] % 32 == 0, input.shape[3] % 32 == 0,
              input.shape[0] >= 1, input.shape[2] >= 32, input.shape[3] >= 32 else {
            throw EngineError(.invalidArgument, "U-Net input \(input.shape): expected [N, 3, H, W] with H, W multiples of 32")
        }
        let convs = convolutions()
        let n = input.shape[0], h = input.shape[2], w = input.shape[3]
        var tape = Tape(logits: Tensor(zeros: [0]), n: n)
        func run(_ layer: Layer, _ x: [Float], _ size: (Int, Int), relu: Bool = true) -> [Float] {
            let c = convs[layer.name]!
            var y = [Float](repeating: 0, count: c.outChannels * n * size.0 * size.1)
            x.withUnsafeBufferPointer { src in
                y.withUnsafeMutableBufferPointer { dst in
                    c.forward(src.baseAddress!, n: n, height: size.0, width: size.1, into: dst.baseAddress!, biasReLU: relu,
                              workspace: workspace)
                    if !relu {
                        c.bias.withUnsafeBufferPointer {
                            Elementwise.biasActivate(dst.baseAddress!, bias: $0.baseAddress!, channels: c.outChannels,
                                                     plane: n * size.0 * size.1, relu: false)
                        }
                    }
                }
            }
            if keep { tape.inputs[layer.name] = x; tape.outputs[layer.name] = y; tape.sizes[layer.name] = size }
            return y
        }
        // Planes layout [C][N][H][W] throughout (see Conv2D).
        var x = [Float](repeating: 0, count: input.data.count)
        input.data.withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { Elementwise.swapLeadingAxes(src.baseAddress!, a: n, b: 3, plane: h * w, into: $0.baseAddress!) }
        }
        var skips: [[Float]] = []
        var size = (h, w)
        for (s, stage) in encoder.enumerated() {
            if s > 0 { x = Self.pool(x, planes: stage[0].inChannels * n, size); size = (size.0 / 2, size.1 / 2) }
            for layer in stage { x = run(layer, x, size) }
            skips.append(x)
            if keep { tape.skipSizes.append(size) }
        }
        x = Self.pool(x, planes: encoder[4].last!.outChannels * n, size)
        size = (size.0 / 2, size.1 / 2)
        for (b, (c1, c2)) in decoder.enumerated() {
            if b > 0 { x += skips[5 - b] }  // channel concatenation in the planes layout
            x = Self.upsample(x, planes: c1.inChannels * n, size)
            size = (size.0 * 2, size.1 * 2)
            x = run(c2, run(c1, x, size), size)
        }
        x += skips[0]
        x = run(dec1, x, size)
        x = run(final, x, size, relu: false)
        if keep { tape.skips = skips }
        tape.logits = Tensor(shape: [n, 1, h, w], data: x)  // one channel: planes = NCHW
        return tape
    }

    /// Forward pass for training: logits and the tape.
    public func trainingForward(_ input: Tensor, workspace: Workspace = Workspace()) throws -> Tape {
        try pass(input, keep: true, workspace: workspace)
    }

    /// Adds ∂loss/∂θ to the store's gradients (allocated if needed) given ∂loss/∂logits
    /// ([N, 1, H, W], as the logits).
    public func backward(_ tape: Tape, gradient: [Float], workspace: Workspace = Workspace()) {
        precondition(gradient.count == tape.logits.data.count, "gradient of \(gradient.count) values for \(tape.logits.shape)")
        store.allocateGradients()
        let convs = convolutions()
        let n = tape.n
        /// ∂/∂(conv input) from ∂/∂(conv output); weights' and bias' gradients accumulated.
        func back(_ layer: Layer, _ g: [Float], relu: Bool = true, needInput: Bool = true) -> [Float] {
            let c = convs[layer.name]!, size = tape.sizes[layer.name]!
            var g = g
            g.withUnsafeMutableBufferPointer { gb in
                if relu {
                    tape.outputs[layer.name]!.withUnsafeBufferPointer {
                        Elementwise.reluBackward(gb.baseAddress!, output: $0.baseAddress!, count: gb.count)
                    }
                }
                // One access to the store's gradients at a time: the bias's go through a local.
                var dB = store.grads[layer.bias]
                tape.inputs[layer.name]!.withUnsafeBufferPointer { x in
                    store.grads[layer.weight].withUnsafeMutableBufferPointer { dW in
                        dB.withUnsafeMutableBufferPointer {
                            c.backwardWeights(x.baseAddress!, gb.baseAddress!, n: n, height: size.0, width: size.1,
                                              dW: dW.baseAddress!, dB: $0.baseAddress!, workspace: workspace)
                        }
                    }
                }
                store.grads[layer.bias] = dB
            }
            guard needInput else { return [] }
            var dx = [Float](repeating: 0, count: layer.inChannels * n * size.0 * size.1)
            g.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer {
                    c.backwardInput(gb.baseAddress!, n: n, height: size.0, width: size.1, into: $0.baseAddress!, workspace: workspace)
                }
            }
            return dx
        }
        var skipGradients = tape.skips.map { [Float](repeating: 0, count: $0.count) }
        func addToSkip(_ s: Int, _ g: ArraySlice<Float>) {
            skipGradients[s].withUnsafeMutableBufferPointer { d in
                g.withUnsafeBufferPointer { Elementwise.add(d.baseAddress!, $0.baseAddress!, count: $0.count) }
            }
        }
        // final and dec1: the concatenation [dec2, conv1] splits after dec2's channels.
        var g = back(dec1, back(final, gradient, relu: false))
        let f = dec1.outChannels, plane0 = tape.skipSizes[0].0 * tape.skipSizes[0].1
        addToSkip(0, g[(f * n * plane0)...])
        g = Array(g[..<(f * n * plane0)])
        for b in stride(from: decoder.count - 1, through: 0, by: -1) {
            let (c1, c2) = decoder[b]
            let up = back(c1, back(c2, g))
            let size = tape.sizes[c1.name]!, half = (size.0 / 2, size.1 / 2)
            var cat = [Float](repeating: 0, count: c1.inChannels * n * half.0 * half.1)
            up.withUnsafeBufferPointer { u in
                cat.withUnsafeMutableBufferPointer {
                    Bilinear.resizeBackward(u.baseAddress!, planes: c1.inChannels * n, height: half.0, width: half.1,
                                            fromHeight: size.0, width: size.1, into: $0.baseAddress!)
                }
            }
            if b > 0 {
                // [previous block, skip 5 − b]
                let previous = decoder[b - 1].1.outChannels * n * half.0 * half.1
                addToSkip(5 - b, cat[previous...])
                g = Array(cat[..<previous])
            } else {
                // center's input is pool(conv5).
                addToSkip(4, ArraySlice(Self.poolBackward(tape.skips[4], cat, planes: encoder[4].last!.outChannels * n,
                                                          tape.skipSizes[4])))
            }
        }
        // Frozen leading stages (`frozenEncoderStages`) get no gradients, and the pass stops above them.
        for s in stride(from: encoder.count - 1, through: frozenEncoderStages, by: -1) {
            var g = skipGradients[s]
            for (i, layer) in encoder[s].enumerated().reversed() {
                g = back(layer, g, needInput: !(s == frozenEncoderStages && i == 0))
            }
            if s > frozenEncoderStages {
                addToSkip(s - 1, ArraySlice(Self.poolBackward(tape.skips[s - 1], g, planes: encoder[s][0].inChannels * n,
                                                              tape.skipSizes[s - 1])))
            }
        }
    }

    static func pool(_ x: [Float], planes: Int, _ size: (Int, Int)) -> [Float] {
        var y = [Float](repeating: 0, count: planes * (size.0 / 2) * (size.1 / 2))
        x.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer {
                Pooling.maxPool(src.baseAddress!, planes: planes, height: size.0, width: size.1, kernel: 2, stride: 2,
                                padding: 0, into: $0.baseAddress!)
            }
        }
        return y
    }

    /// ∂/∂(pool input) of size `size` from ∂/∂(pool output).
    static func poolBackward(_ x: [Float], _ dy: [Float], planes: Int, _ size: (Int, Int)) -> [Float] {
        var dx = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in
            dy.withUnsafeBufferPointer { g in
                dx.withUnsafeMutableBufferPointer {
                    Pooling.maxPoolBackward(xb.baseAddress!, g.baseAddress!, planes: planes, height: size.0, width: size.1,
                                            kernel: 2, stride: 2, padding: 0, into: $0.baseAddress!)
                }
            }
        }
        return dx
    }

    static func upsample(_ x: [Float], planes: Int, _ size: (Int, Int)) -> [Float] {
        var y = [Float](repeating: 0, count: planes * size.0 * size.1 * 4)
        x.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer {
                Bilinear.resize(src.baseAddress!, planes: planes, height: size.0, width: size.1, toHeight: 2 * size.0,
                                width: 2 * size.1, into: $0.baseAddress!)
            }
        }
        return y
    }
}
