import Datasets
import Imaging
import Segmentation
import Models
import NeuralEngine
import XCTest
@testable import Training

/// BatchNorm in training mode (`ResNet50.batchNormMomentum`): the normalisation
/// itself, the running statistics against a hand-written convolution, training with it, and
/// the inference model reading what it leaves. Its gradients are checked against finite
/// differences in GradientCheckTests.
final class BatchStatisticsTests: XCTestCase {
    /// After normalise + scale/shift each channel has mean β and standard deviation γ
    /// (up to ε), and the returned statistics are the channel's own, computed here in Double.
    func testChannelsComeOutWithMeanBetaAndSpreadGamma() {
        var rng = SplitMix64(seed: 4)
        let channels = 3, m = 500
        let centres = [5.0, -2.0, 0.3], spreads = [3.0, 0.5, 10.0]
        var z = [Float](repeating: 0, count: channels * m)
        for c in 0..<channels { for i in 0..<m { z[c * m + i] = Float(centres[c] + spreads[c] * rng.gaussian()) } }
        let original = z
        let gamma: [Float] = [2, 0.5, 1], beta: [Float] = [1, -1, 0]
        var y = [Float](repeating: 0, count: z.count)
        z.withUnsafeMutableBufferPointer { zp in
            y.withUnsafeMutableBufferPointer { yp in
                let (tape, mean, variance) = BatchStatistics.normalise(zp.baseAddress!, channels: channels, count: m, eps: 1e-5)
                for c in 0..<channels {
                    let row = original[(c * m)..<((c + 1) * m)].map(Double.init)
                    let mu = row.reduce(0, +) / Double(m)
                    let v = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(m)
                    XCTAssertEqual(mean[c], mu, accuracy: 1e-9 * max(1, abs(mu)))
                    XCTAssertEqual(variance[c], v, accuracy: 1e-9 * v)
                }
                BatchStatistics.scaleShift(tape, gamma: gamma, beta: beta, channels: channels, count: m,
                                           into: yp.baseAddress!, relu: false)
            }
        }
        for c in 0..<channels {
            let row = y[(c * m)..<((c + 1) * m)].map(Double.init)
            let mu = row.reduce(0, +) / Double(m)
            let sd = (row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(m)).squareRoot()
            XCTAssertEqual(mu, Double(beta[c]), accuracy: 1e-5, "channel \(c)")
            XCTAssertEqual(sd, Double(gamma[c]), accuracy: 1e-4, "channel \(c)")
        }
    }

    /// One training step moves the stem's running statistics to (1 − m)·old + m·batch, the
    /// batch's mean and unbiased variance taken from a direct 7×7 stride-2 convolution
    /// written out here; an evaluation pass moves nothing.
    func testRunningStatisticsFollowTheBatch() throws {
        let model = try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 4, blockCounts: [1, 1, 1, 1], seed: 5))
        let momentum = 0.25
        model.batchNormMomentum = momentum
        let n = 2, side = 32
        var rng = SplitMix64(seed: 6)
        let x = (0..<(n * 3 * side * side)).map { _ in Float(rng.gaussian()) }
        let s = model.store
        let w = s.values[try XCTUnwrap(s.index(of: "conv1.weight"))]
        let out = 4, oside = 16
        var sums = [Double](repeating: 0, count: out), squares = sums
        for o in 0..<out {
            for img in 0..<n { for oy in 0..<oside { for ox in 0..<oside {
                var acc = 0.0
                for c in 0..<3 { for ky in 0..<7 { for kx in 0..<7 {
                    let iy = 2 * oy - 3 + ky, ix = 2 * ox - 3 + kx
                    guard iy >= 0, iy < side, ix >= 0, ix < side else { continue }
                    acc += Double(w[((o * 3 + c) * 7 + ky) * 7 + kx]) * Double(x[((img * 3 + c) * side + iy) * side + ix])
                } } }
                sums[o] += acc
                squares[o] += acc * acc
            } } }
        }
        let count = Double(n * oside * oside)
        _ = model.logits(x, n: n, height: side, width: side)
        XCTAssertEqual(s.frozen["bn1.running_mean"]?.data, [0, 0, 0, 0], "evaluation must not move the statistics")
        model.store.zeroGradients()
        model.lossAndGradients(x, labels: [1, 0], height: side, width: side)
        let runningMean = try XCTUnwrap(s.frozen["bn1.running_mean"]).data
        let runningVar = try XCTUnwrap(s.frozen["bn1.running_var"]).data
        for o in 0..<out {
            let mu = sums[o] / count
            let unbiased = (squares[o] - count * mu * mu) / (count - 1)
            XCTAssertEqual(Double(runningMean[o]), momentum * mu, accuracy: 1e-5 * max(1, abs(mu)), "channel \(o)")
            XCTAssertEqual(Double(runningVar[o]), (1 - momentum) + momentum * unbiased, accuracy: 1e-5 * max(1, unbiased),
                           "channel \(o)")
        }
    }

    /// From random weights, with batch statistics, the loop fits 8 noise images with
    /// arbitrary labels (only memorising can), and then the inference model loaded from the
    /// written weights gives the training network's evaluation logits (running statistics).
    func testTrainsFromScratchAndInferenceReadsRunningStatistics() throws {
        let side = TrainingLoopTests.side
        let model = try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 4, seed: 2,
                                                                          zeroResidualBranches: true))
        model.batchNormMomentum = 0.1
        let noise = TrainingLoopTests.dataset(8).samples.map { Sample(source: $0.source, label: false, group: $0.group) }
        let x = try { var r = SplitMix64(seed: 1); return try TrainingLoopTests.source(noise, .none, &r).input }()
        let y: [Float] = [1, 1, 0, 1, 0, 0, 1, 0]
        let adam = Adam(store: model.store, learningRate: 3e-3)
        var loss = 1.0, steps = 0
        while loss >= 0.05 && steps < 200 {
            loss = model.trainStep(x, labels: y, height: side, width: side, optimizer: adam).loss
            steps += 1
        }
        print("overfit with batch statistics: training loss \(loss) after \(steps) steps")
        XCTAssertLessThan(loss, 0.05, "after \(steps) steps")

        let expected = model.logits(x, n: 8, height: side, width: side)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bn-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.writeWeights(to: path)
        let got = try ResNet50(path: path).classify(Tensor(shape: [8, 3, side, side], data: x)).map(\.logit)
        for i in 0..<8 { XCTAssertEqual(got[i], expected[i], accuracy: 1e-4 * max(1, abs(expected[i])), "image \(i)") }
        XCTAssertNotEqual(model.store.frozen["layer4.0.bn2.running_var"]?.data.first, 1, "running statistics moved")
    }
}
