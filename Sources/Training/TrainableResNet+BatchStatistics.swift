import NeuralEngine

extension TrainableResNet {
    /// The forward pass of a training step with BatchNorm in training mode: each conv runs
    /// plain into a `z` buffer, which `BatchStatistics` normalises in place (x̂ stays for the
    /// backward pass), then y = γ·x̂ + β with the ReLU and the residual add. Moves the
    /// running statistics by `momentum`.
    func forwardWithBatchStatistics(_ x: [Float], n: Int, height: Int, width: Int, momentum: Double) -> Pass {
        precondition(x.count == n * 3 * height * width, "input size")
        let ws = workspace, s = store
        let input = ws.buffer("in", count: 3 * n * height * width)
        x.withUnsafeBufferPointer { Elementwise.swapLeadingAxes($0.baseAddress!, a: n, b: 3, plane: height * width, into: input) }

        /// z = conv(x) normalised; y = γ·x̂ + β (+ y) (+ residual), ReLU'd when `relu`.
        func convNorm(_ p: ConvBN, _ x: UnsafePointer<Float>, h: Int, w: Int, key: String, into y: UnsafeMutablePointer<Float>,
                      accumulate: Bool = false, residual: UnsafePointer<Float>? = nil, relu: Bool)
            -> (Conv2D, BatchStatistics.Tape) {
            let conv = p.plain(s)
            let (oh, ow) = conv.outputSize(height: h, width: w)
            let m = n * oh * ow
            let z = ws.buffer(key, count: p.outChannels * m)
            conv.forward(x, n: n, height: h, width: w, into: z, workspace: ws)
            let (tape, mean, variance) = BatchStatistics.normalise(z, channels: p.outChannels, count: m, eps: ConvBN.eps)
            p.updateRunning(s, batchMean: mean, batchVariance: variance, count: m, momentum: momentum)
            BatchStatistics.scaleShift(tape, gamma: s.values[p.gamma], beta: s.values[p.beta], channels: p.outChannels,
                                       count: m, into: y, accumulate: accumulate, residual: residual, relu: relu)
            return (conv, tape)
        }

        let (sh, sw) = stem.outputSize(height: height, width: width)
        let stemOut = ws.buffer("stem", count: stem.outChannels * n * sh * sw)
        let (stemConv, stemNorm) = convNorm(stem, input, h: height, w: width, key: "z.stem", into: stemOut, relu: true)
        var pass = Pass(n: n, height: height, width: width, input: input, stem: stemConv, stemNorm: stemNorm,
                        stemOut: stemOut, stemH: sh, stemW: sw)
        var (h, w) = (Pooling.maxPoolOutput(sh), Pooling.maxPoolOutput(sw))
        var cur = ws.buffer("pool", count: stem.outChannels * n * h * w)
        Pooling.maxPool(stemOut, planes: stem.outChannels * n, height: sh, width: sw, into: cur)
        for (l, blocks) in layers.enumerated() {
            for (b, blk) in blocks.enumerated() {
                let key = "\(l).\(b)."
                let (oh, ow) = blk.conv2.outputSize(height: h, width: w)
                let t1 = ws.buffer(key + "t1", count: blk.conv1.outChannels * n * h * w)
                let t2 = ws.buffer(key + "t2", count: blk.conv2.outChannels * n * oh * ow)
                let out = ws.buffer(key + "out", count: blk.conv3.outChannels * n * oh * ow)
                let (c1, n1) = convNorm(blk.conv1, cur, h: h, w: w, key: key + "z1", into: t1, relu: true)
                let (c2, n2) = convNorm(blk.conv2, t1, h: h, w: w, key: key + "z2", into: t2, relu: true)
                var ds: Conv2D?, nd: BatchStatistics.Tape?
                let (c3, n3): (Conv2D, BatchStatistics.Tape)
                if let d = blk.downsample {
                    (c3, n3) = convNorm(blk.conv3, t2, h: oh, w: ow, key: key + "z3", into: out, relu: false)
                    (ds, nd) = convNorm(d, cur, h: h, w: w, key: key + "zd", into: out, accumulate: true, relu: true)
                } else {
                    (c3, n3) = convNorm(blk.conv3, t2, h: oh, w: ow, key: key + "z3", into: out, residual: cur, relu: true)
                }
                pass.blocks.append(.init(input: cur, t1: t1, t2: t2, out: out, inH: h, inW: w, outH: oh, outW: ow,
                                         conv1: c1, conv2: c2, conv3: c3, downsample: ds,
                                         norm1: n1, norm2: n2, norm3: n3, normDownsample: nd))
                cur = out
                (h, w) = (oh, ow)
            }
        }
        finishForward(&pass, top: cur, height: h, width: w)
        return pass
    }
}
