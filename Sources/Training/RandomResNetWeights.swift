import Foundation
import Imaging
import NeuralEngine

/// Seeded torchvision-layout ResNet v1.5 weights with a single-logit head: a full ResNet-50
/// (base width 64, blocks [3, 4, 6, 3]) or smaller test networks. Conv weights He-normal
/// N(0, 2/fan_in), fc N(0, 1/C). BatchNorm is the identity (γ 1, β 0, μ 0, σ² 1) unless
/// `randomBatchNorm`, which draws γ ∈ [0.5, 1.5), β, μ ∈ [−0.2, 0.2), σ² ∈ [0.5, 1.5) so
/// tests exercise the folding.
///
/// `zeroResidualBranches` sets γ of each block's last BatchNorm (`bn3`) to 0, so every block
/// starts as its shortcut (torchvision's `zero_init_residual`). Training runs with frozen
/// BatchNorm statistics, i.e. without normalisation: with γ = 1 the 16 residual additions
/// grow the activations by orders of magnitude and the first logits are in the hundreds;
/// with γ = 0 the signal keeps its scale and the branches grow in as they learn.
public enum RandomResNetWeights {
    public static func make(baseWidth: Int = 64, blockCounts: [Int] = [3, 4, 6, 3], seed: UInt64 = 1,
                            randomBatchNorm: Bool = false, zeroResidualBranches: Bool = false) -> [String: Tensor] {
        precondition(blockCounts.count == 4 && blockCounts.allSatisfy { $0 > 0 } && baseWidth > 0, "network shape")
        var rng = SplitMix64(seed: seed)
        var out: [String: Tensor] = [:]
        func conv(_ name: String, _ o: Int, _ i: Int, _ k: Int) {
            let sd = (2.0 / Double(i * k * k)).squareRoot()
            out[name + ".weight"] = Tensor(shape: [o, i, k, k], data: (0..<(o * i * k * k)).map { _ in Float(rng.gaussian() * sd) })
        }
        func bn(_ name: String, _ c: Int) {
            func draw(_ lo: Double, _ hi: Double, _ fixed: Float) -> Tensor {
                Tensor(shape: [c], data: (0..<c).map { _ in randomBatchNorm ? Float(lo + (hi - lo) * rng.unit()) : fixed })
            }
            out[name + ".weight"] = draw(0.5, 1.5, 1)
            out[name + ".bias"] = draw(-0.2, 0.2, 0)
            out[name + ".running_mean"] = draw(-0.2, 0.2, 0)
            out[name + ".running_var"] = draw(0.5, 1.5, 1)
        }
        conv("conv1", baseWidth, 3, 7)
        bn("bn1", baseWidth)
        var channels = baseWidth
        for (l, count) in blockCounts.enumerated() {
            let width = baseWidth << l, outC = width * 4
            for b in 0..<count {
                let p = "layer\(l + 1).\(b)"
                conv(p + ".conv1", width, channels, 1); bn(p + ".bn1", width)
                conv(p + ".conv2", width, width, 3); bn(p + ".bn2", width)
                conv(p + ".conv3", outC, width, 1); bn(p + ".bn3", outC)
                if zeroResidualBranches { out[p + ".bn3.weight"] = Tensor(shape: [outC], data: [Float](repeating: 0, count: outC)) }
                if b == 0 { conv(p + ".downsample.0", outC, channels, 1); bn(p + ".downsample.1", outC) }
                channels = outC
            }
        }
        let sd = (1.0 / Double(channels)).squareRoot()
        out["fc.weight"] = Tensor(shape: [1, channels], data: (0..<channels).map { _ in Float(rng.gaussian() * sd) })
        out["fc.bias"] = Tensor(shape: [1], data: [0])
        return out
    }
}
