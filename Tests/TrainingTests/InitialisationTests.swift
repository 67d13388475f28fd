import Models
import Imaging
import NeuralEngine
import Segmentation
import Training
import XCTest

/// Fresh weights for training from scratch run without normalisation (frozen BatchNorm
/// statistics), so their first logits must keep the input's scale.
final class InitialisationTests: XCTestCase {
    func logitScale(zeroResidualBranches: Bool) throws -> Float {
        let side = 64, n = 4
        let model = try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 8, blockCounts: [3, 4, 6, 3], seed: 11,
                                                                          zeroResidualBranches: zeroResidualBranches))
        var rng = SplitMix64(seed: 5)
        let x = (0..<(n * 3 * side * side)).map { _ in Float(rng.uniform(-2, 2)) }
        let logits = model.logits(x, n: n, height: side, width: side)
        return logits.map { abs($0) }.max() ?? .nan
    }

    func testZeroResidualBranchesKeepFirstLogitsSmall() throws {
        let zeroed = try logitScale(zeroResidualBranches: true)
        let plain = try logitScale(zeroResidualBranches: false)
        print("largest |logit| at start: zeroed branches \(zeroed), γ = 1 \(plain)")
        XCTAssertLessThan(zeroed, 5, "inputs of unit scale must give logits of unit scale")
        XCTAssertGreaterThan(plain, 10 * zeroed, "without zeroing, 16 residual additions grow the signal")
    }

    func testOnlyTheLastBatchNormOfEachBlockIsZeroed() {
        let w = RandomResNetWeights.make(baseWidth: 2, blockCounts: [1, 2, 1, 1], seed: 1, zeroResidualBranches: true)
        let zeroed = w.filter { $0.value.data.allSatisfy { $0 == 0 } && $0.key.hasSuffix(".weight") }.keys.sorted()
        XCTAssertEqual(zeroed, ["layer1.0.bn3.weight", "layer2.0.bn3.weight", "layer2.1.bn3.weight",
                                "layer3.0.bn3.weight", "layer4.0.bn3.weight"])
    }
}
