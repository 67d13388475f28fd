import NeuralEngine

/// ResNet-50 v1.5 (torchvision layout: blocks [3, 4, 6, 3], stride on the 3×3 conv, a
/// downsample in every block 0) with a single-logit head: the one network graph that
/// inference (`classify`), Grad-CAM and training (the Training module) all run.
///
/// The parameters live unfolded in a `ParameterStore` under their torchvision names; widths
/// and block counts are read from the weights, so narrow variants, small test networks and
/// the deeper ResNet-101/152 load too. The forward pass (`forward`) runs each conv+BN either
/// folded (inference and fine-tuning with frozen statistics; inference caches its folded,
/// Winograd-prepared convolutions) or with batch statistics; the backward pass (`backward`)
/// gives activation gradients for Grad-CAM or, over the whole batch, every parameter's
/// gradient. Each op's backward sits beside its forward (`Conv2D`, `ConvBN`,
/// `BatchStatistics`, `Elementwise`, `Pooling`).
///
/// Activations live in per-instance `Workspace`s in the engine's planes layout [C][N][H][W].
/// Not thread-safe: use one instance per thread.
public final class ResNet50 {
    public static let blockCounts = [3, 4, 6, 3]

    /// One bottleneck block: 1×1 → 3×3 (stride here) → 1×1, plus the downsample in block 0.
    package struct Block: Sendable {
        package let conv1: ConvBN, conv2: ConvBN, conv3: ConvBN
        package let downsample: ConvBN?
    }

    public let store: ParameterStore
    package let stem: ConvBN
    package let layers: [[Block]]
    package let fcWeight: Int, fcBias: Int
    public let featureCount: Int
    /// Whether the head was replaced by a fresh single logit (the file had another fc).
    public let freshHead: Bool
    /// Whether the store holds the parameters folded (conv weights W·s, BatchNorm β − μ·s;
    /// γ, μ, σ² dropped), shared with the convolutions `classify` runs: one copy of the
    /// weights in memory, for models that only infer. Such a model cannot be trained.
    public let foldedForInference: Bool

    /// Parts a batch of two or more slices is split into by `classify`, each run through the
    /// whole network on its own thread when there are threads. A property of the instance,
    /// not of the thread count, so that results do not depend on the threads.
    public let batchParts: Int
    /// How the convolutions choose their algorithms (`.standard` but for A/B measurements and
    /// tests that compare the paths).
    public var convolutionPolicy: ConvolutionPolicy
    /// One scratch workspace per batch part; training uses the first.
    private(set) var workspaces: [Workspace] = [Workspace()]
    /// The folded convolutions `classify` runs, and the store version they were folded from.
    private var inferenceNetwork: (version: Int, policy: ConvolutionPolicy, network: FoldedNetwork)?

    /// The stages a training step updates: 0 the stem and everything after it (default),
    /// 1…4 from layer1…layer4 on, 5 the fc head alone (a linear probe). The backward pass
    /// stops where the trained stages begin, so held stages cost no backward time.
    public package(set) var firstTrainedStage = 0
    /// nil: BatchNorm with frozen running statistics while training (fine-tuning). A value:
    /// training steps normalise with the batch's statistics and move the running ones by
    /// this momentum (torch's default is 0.1). Evaluation always uses the running ones.
    public var batchNormMomentum: Double?
    /// Seconds spent per phase since the last reset ("forward" incl. folding, "backward"
    /// incl. "weight gradients", "adam"), for the training throughput report.
    public var phaseSeconds: [String: Double] = [:]

    public var blockCounts: [Int] { layers.map(\.count) }
    /// Channels of the layer2 / layer3 outputs (the Grad-CAM targets).
    public var layer2Channels: Int { layers[1].last!.conv3.outChannels }
    public var layer3Channels: Int { layers[2].last!.conv3.outChannels }

    /// `headSeed` nil: the file's head must be a single logit. A seed: any other head (e.g.
    /// ImageNet's 1000 classes) is replaced by a fresh single logit drawn from it.
    public convenience init(path: String, headSeed: UInt64? = nil, batchParts: Int = 2,
                            convolutionPolicy: ConvolutionPolicy = .standard, foldedForInference: Bool = false) throws {
        try self.init(weights: SafetensorsFile(path: path), headSeed: headSeed, batchParts: batchParts,
                      convolutionPolicy: convolutionPolicy, foldedForInference: foldedForInference)
    }

    public convenience init(weights file: SafetensorsFile, headSeed: UInt64? = nil, batchParts: Int = 2,
                            convolutionPolicy: ConvolutionPolicy = .standard, foldedForInference: Bool = false) throws {
        try self.init(loader: ResNetLoader(source: file.name, contains: file.contains, tensor: { try file.tensor($0) }),
                      headSeed: headSeed, batchParts: batchParts, convolutionPolicy: convolutionPolicy,
                      foldedForInference: foldedForInference)
    }

    public convenience init(tensors: [String: Tensor], headSeed: UInt64? = nil, batchParts: Int = 2) throws {
        func find(_ name: String) throws -> Tensor {
            guard let t = tensors[name] else { throw EngineError(.missingTensor, file: "weights", tensor: name, "not present") }
            return t
        }
        try self.init(loader: ResNetLoader(source: "weights", contains: { tensors[$0] != nil }, tensor: find),
                      headSeed: headSeed, batchParts: batchParts, convolutionPolicy: .standard, foldedForInference: false)
    }

    init(loader: ResNetLoader, headSeed: UInt64?, batchParts: Int, convolutionPolicy: ConvolutionPolicy,
         foldedForInference: Bool) throws {
        precondition(batchParts >= 1, "batchParts ≥ 1")
        let net = try loader.load(headSeed: headSeed)
        (store, stem, layers, fcWeight, fcBias, featureCount, freshHead) =
            (net.store, net.stem, net.layers, net.fcWeight, net.fcBias, net.featureCount, net.freshHead)
        self.batchParts = batchParts
        self.convolutionPolicy = convolutionPolicy
        self.foldedForInference = foldedForInference
        if foldedForInference { keepFoldedParametersOnly() }
    }

    /// Replaces every conv+BN's parameters in the store by the folded ones (see
    /// `foldedForInference`): the unfolded copy is freed.
    private func keepFoldedParametersOnly() {
        let s = store
        for p in [stem] + layers.flatMap({ $0.flatMap { [$0.conv1, $0.conv2, $0.conv3] + ($0.downsample.map { [$0] } ?? []) } }) {
            let conv = p.folded(s)
            s.values[p.weight] = conv.weight
            s.values[p.beta] = conv.bias
            s.values[p.gamma] = []
            s.frozen[p.meanName] = nil
            s.frozen[p.varianceName] = nil
        }
    }

    /// Bytes of scratch memory currently held by this instance.
    public var workspaceBytes: Int { workspaces.reduce(0) { $0 + $1.byteCount } }

    /// Makes sure there are `parts` workspaces (before running parts concurrently).
    func reserveWorkspaces(_ parts: Int) {
        while workspaces.count < parts { workspaces.append(Workspace()) }
    }

    /// The training workspace.
    package var trainingWorkspace: Workspace { workspaces[0] }

    /// The stage a torchvision tensor name belongs to: conv1/bn1 0, layerK K, fc 5.
    public static func stage(of name: String) -> Int {
        if name.hasPrefix("fc.") { return 5 }
        for k in 1...4 where name.hasPrefix("layer\(k).") { return k }
        return 0
    }

    /// ∂logit/∂(pooled layer4 features): the head is linear, so its weight row, the same for
    /// every slice — what clustering's gradient-weighted features are multiplied by.
    public var pooledFeatureGradient: [Float] { store.values[fcWeight] }

    /// The fc head with the store's current weights.
    package func head() -> Linear {
        Linear(weight: store.values[fcWeight], bias: store.values[fcBias], inFeatures: featureCount, outFeatures: 1)
    }

    /// The folded convolutions for inference, refolded when the parameters changed.
    func inferenceConvolutions() -> FoldedNetwork {
        if let cached = inferenceNetwork, cached.version == store.version, cached.policy == convolutionPolicy {
            return cached.network
        }
        let network = fold(winogradF4: true)
        inferenceNetwork = (store.version, convolutionPolicy, network)
        return network
    }

    /// Every conv+BN folded for the current parameters (`winogradF4`: with the F(4×4, 3×3)
    /// form of the 3×3 convolutions, worth it for inference, which folds once).
    package func fold(winogradF4: Bool) -> FoldedNetwork {
        let s = store, p = convolutionPolicy, done = foldedForInference
        let blocks = layers.map { layer in
            layer.map { b -> FoldedNetwork.Block in
                var c2 = b.conv2.folded(s, policy: p, alreadyFolded: done)
                if winogradF4 { c2.prepareWinogradF4() }
                let c3 = b.conv3.folded(s, policy: p, alreadyFolded: done)
                let ds = b.downsample?.folded(s, policy: p, alreadyFolded: done)
                let bias = ds.map { d in zip(c3.bias, d.bias).map { $0 + $1 } } ?? c3.bias
                return .init(conv1: b.conv1.folded(s, policy: p, alreadyFolded: done), conv2: c2, conv3: c3, downsample: ds,
                             outputBias: bias)
            }
        }
        return FoldedNetwork(stem: stem.folded(s, policy: p, alreadyFolded: done), blocks: blocks)
    }
}

/// The network's convolutions with BatchNorm folded in (W' = W·s, b' = β − μ·s).
package struct FoldedNetwork: Sendable {
    package struct Block: Sendable {
        let conv1: Conv2D, conv2: Conv2D, conv3: Conv2D
        let downsample: Conv2D?
        /// conv3's bias plus the downsample's: both GEMMs accumulate into one output buffer.
        let outputBias: [Float]
    }
    let stem: Conv2D
    let blocks: [[Block]]
}
