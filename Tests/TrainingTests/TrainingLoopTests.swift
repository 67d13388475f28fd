import Models
import CTScreenTestSupport
import Datasets
import Imaging
import NeuralEngine
import Segmentation
import XCTest
@testable import Training

/// The loop learns (overfits a tiny set) and resumes exactly from a checkpoint.
final class TrainingLoopTests: XCTestCase {
    static let side = 64

    static var fixtureModel: String {
        SharedFolder.url.appendingPathComponent("fixtures/resnet50-gradcam/model.safetensors").path
    }

    /// `count` samples, half positive, one group each.
    static func dataset(_ count: Int) -> Dataset {
        Dataset(name: "synthetic", samples: (0..<count).map {
            Sample(source: .image(path: "img\($0)"), label: $0 % 2 == 0, group: "p\($0)")
        })
    }

    /// Synthetic images: noise seeded by the sample's name, plus a bright square for positives;
    /// "augmentation" flips horizontally on a draw from rng (so the rng stream matters).
    static func source(_ samples: [Sample], _ aug: Augmentation, _ rng: inout SplitMix64) throws -> TrainingBatch {
        let plane = side * side
        var x = [Float](repeating: 0, count: samples.count * 3 * plane)
        for (i, s) in samples.enumerated() {
            guard case .image(let name) = s.source else { throw TrainingError("unexpected source") }
            var r = SplitMix64(seed: UInt64(name.dropFirst(3)) ?? 0)
            var img = (0..<plane).map { _ in Float(r.gaussian()) * 0.5 }
            if s.label { for y in 20..<36 { for c in 10..<26 { img[y * side + c] += 1.5 } } }
            if aug != .none && rng.next() & 1 == 1 {
                for y in 0..<side { img[(y * side)..<((y + 1) * side)].reverse() }
            }
            for c in 0..<3 { for k in 0..<plane { x[(i * 3 + c) * plane + k] = img[k] } }
        }
        return TrainingBatch(input: x, labels: samples.map { $0.label ? 1 : 0 })
    }

    func testOverfitsTinySet() throws {
        let path = Self.fixtureModel
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("fixture model not found at \(path)") }
        let model = try ResNet50(path: path)
        XCTAssertFalse(model.freshHead)
        // Pure noise images (no square) with arbitrary labels: only memorising can fit them.
        let noise = Self.dataset(8).samples.map { Sample(source: $0.source, label: false, group: $0.group) }
        let x = try { var r = SplitMix64(seed: 1); return try Self.source(noise, .none, &r).input }()
        let y: [Float] = [1, 1, 0, 1, 0, 0, 1, 0]
        let adam = Adam(store: model.store, learningRate: 1e-3)
        let first = model.lossAndGradients(x, labels: y, height: Self.side, width: Self.side).loss
        var loss = first, steps = 0
        while loss >= 0.05 && steps < 150 {
            model.trainStep(x, labels: y, height: Self.side, width: Self.side, optimizer: adam)
            steps += 1
            model.store.zeroGradients()
            loss = BCEWithLogits.lossAndGradient(logits: model.logits(x, n: 8, height: Self.side, width: Self.side), labels: y).loss
        }
        print("overfit: loss \(first) → \(loss) in \(steps) steps")
        XCTAssertLessThan(loss, 0.05, "after \(steps) steps")
        XCTAssertGreaterThan(first, 0.3, "the task must not be solved at the start")
    }

    func settings(epochs: Int) -> TrainingSettings {
        var s = TrainingSettings()
        s.batchSize = 4
        s.epochs = epochs
        s.learningRate = 1e-3
        s.inputSize = Self.side
        s.seed = 42
        return s
    }

    func testResumeContinuesExactly() throws {
        let weights = RandomResNetWeights.make(baseWidth: 4, blockCounts: [1, 1, 1, 1], seed: 3)
        let data = Self.dataset(12), validation = Self.dataset(16)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ckpt = dir.appendingPathComponent(Checkpoint.fileName).path

        let straight = try Trainer(model: ResNet50(tensors: weights), settings: settings(epochs: 2), source: Self.source)
        let reports = try straight.run(train: data, validation: validation) { _, _ in }
        XCTAssertEqual(reports.count, 2)
        XCTAssertNotNil(reports[1].validationAUC)

        let first = try Trainer(model: ResNet50(tensors: weights), settings: settings(epochs: 1), source: Self.source)
        _ = try first.run(train: data, validation: nil) { _, t in
            try Checkpoint(epochsDone: t.epochsDone, adamStep: t.optimizer.step, seed: t.settings.seed)
                .write(model: t.model, optimizer: t.optimizer, to: ckpt)
        }
        let (c, model, file) = try Checkpoint.read(ckpt)
        XCTAssertEqual(c.epochsDone, 1)
        let resumed = try Trainer(model: model, settings: settings(epochs: 2), source: Self.source, resumeFrom: (c, file))
        let more = try resumed.run(train: data, validation: nil) { _, _ in }
        XCTAssertEqual(more.map(\.epoch), [2])
        XCTAssertEqual(resumed.optimizer.step, straight.optimizer.step)

        let a = straight.model.store, b = resumed.model.store
        XCTAssertEqual(a.names, b.names)
        var maxDiff: Float = 0, maxChange: Float = 0
        let initial = try ResNet50(tensors: weights).store
        for i in 0..<a.count {
            for k in a.values[i].indices {
                maxDiff = max(maxDiff, abs(a.values[i][k] - b.values[i][k]))
                maxChange = max(maxChange, abs(a.values[i][k] - initial.values[i][k]))
            }
        }
        XCTAssertLessThanOrEqual(maxDiff, 1e-6, "2 epochs vs 1 + resumed 1")
        XCTAssertGreaterThan(maxChange, 1e-3, "training must have moved the weights")
    }

    func testThousandClassHeadIsReplaced() throws {
        var w = RandomResNetWeights.make(baseWidth: 2, blockCounts: [1, 1, 1, 1], seed: 1)
        w["fc.weight"] = Tensor(zeros: [1000, 64])
        w["fc.bias"] = Tensor(zeros: [1000])
        // Without a head seed (what inference loads) another head is an error naming fc.weight.
        XCTAssertThrowsError(try ResNet50(tensors: w)) { XCTAssertEqual(($0 as? EngineError)?.tensor, "fc.weight") }
        let m = try ResNet50(tensors: w, headSeed: 1)
        XCTAssertTrue(m.freshHead)
        let fc = try XCTUnwrap(m.store.index(of: "fc.weight"))
        XCTAssertEqual(m.store.shapes[fc], [1, 64])
        XCTAssertTrue(m.store.values[fc].allSatisfy { abs($0) <= 1 / Float(8) } && m.store.values[fc].contains { $0 != 0 })
        w["fc.weight"] = Tensor(zeros: [1, 63])
        XCTAssertThrowsError(try ResNet50(tensors: w, headSeed: 1))
    }

    /// Written weights load back in torchvision layout, F32 exactly and F16 to half precision.
    func testWeightsRoundTrip() throws {
        let m = try ResNet50(tensors: RandomResNetWeights.make(baseWidth: 2, blockCounts: [1, 1, 1, 1], seed: 5,
                                                                      randomBatchNorm: true))
        let dir = FileManager.default.temporaryDirectory
        let p32 = dir.appendingPathComponent("w32-\(UUID().uuidString).safetensors").path
        let p16 = dir.appendingPathComponent("w16-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: p32); try? FileManager.default.removeItem(atPath: p16) }
        try m.writeWeights(to: p32)
        try m.writeWeights(to: p16, dtype: .f16)
        let f32 = try SafetensorsFile(path: p32), f16 = try SafetensorsFile(path: p16)
        XCTAssertTrue(f32.contains("layer1.0.bn1.running_var"))
        for (name, t) in m.store.tensors() {
            XCTAssertEqual(try f32.tensor(name).data, t.data, name)
            let h = try f16.tensor(name).data
            for (u, v) in zip(h, t.data) { XCTAssertEqual(u, v, accuracy: abs(v) * 1e-3 + 1e-4, name) }
        }
    }
}
