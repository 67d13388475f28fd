import Foundation
import XCTest
import NeuralEngine
@testable import Models

final class ResNet50Tests: XCTestCase {
    nonisolated(unsafe) static var cached: (ResNet50, [Tensor])?  // XCTest runs one test at a time

    /// The fixture model and the three fixture inputs.
    func fixtures() throws -> (ResNet50, [Tensor]) {
        if let c = Self.cached { return c }
        let m = try ResNet50(path: Fixtures.file("model.safetensors"))
        let xs = try ["a", "b", "c"].map { try SafetensorsFile(path: Fixtures.file("case_\($0).safetensors")).tensor("input") }
        Self.cached = (m, xs)
        return (m, xs)
    }

    func batch(_ xs: [Tensor]) -> Tensor {
        Tensor(shape: [xs.count, 3, 224, 224], data: xs.flatMap(\.data))
    }

    /// Float tolerances: a batch's Winograd F(4×4) GEMMs span several images, so BLAS rounds
    /// a slice differently in another batch. The bounds sit at the spread the fixtures' README
    /// measured between independent float32 runs (pooled 3.8e-5, cam14 2.1e-5), well inside
    /// its suggested tolerances (pooled 4e-4, cams 1e-4).
    func assertClose(_ a: SliceClassification, _ b: SliceClassification, _ what: String) {
        XCTAssertEqual(a.logit, b.logit, accuracy: 2e-5, what)
        XCTAssertLessThan(Fixtures.maxAbsDiff(a.pooled, b.pooled), 1e-4, what)
        XCTAssertEqual(a.gradCAM == nil, b.gradCAM == nil, what)
        if let ga = a.gradCAM, let gb = b.gradCAM {
            XCTAssertLessThan(Fixtures.maxAbsDiff(ga.fused, gb.fused), 5e-5, what)
            XCTAssertLessThan(Fixtures.maxAbsDiff(ga.cam28, gb.cam28), 5e-5, what)
            XCTAssertLessThan(Fixtures.maxAbsDiff(ga.cam14, gb.cam14), 5e-5, what)
        }
    }

    /// A batch of three with Grad-CAM for two of them equals the slices run one by one, and
    /// slices without Grad-CAM get none.
    func testResultsIndependentOfBatchSize() throws {
        let (m, xs) = try fixtures()
        let single = try xs.map { try m.classify(batch([$0]), gradCAMFor: [0])[0] }
        let batched = try m.classify(batch(xs), gradCAMFor: [2, 0])
        XCTAssertNil(batched[1].gradCAM)
        for i in [0, 2] { assertClose(batched[i], single[i], "slice \(i)") }
        XCTAssertEqual(batched[1].logit, single[1].logit, accuracy: 2e-5)
        // reference logits from the fixtures README
        for (got, want) in zip(batched.map(\.logit), [0.1686823, 0.3181661, 0.3250061] as [Float]) {
            XCTAssertEqual(got, want, accuracy: 2e-4)
        }
    }

    func testResultsIndependentOfThreadCount() throws {
        let (m, xs) = try fixtures()
        defer { setBLASThreads(1) }
        setBLASThreads(1)
        let one = try m.classify(batch(xs), gradCAMFor: [0, 1, 2])
        setBLASThreads(2)
        let two = try m.classify(batch(xs), gradCAMFor: [0, 1, 2])
        for i in 0..<3 { assertClose(one[i], two[i], "slice \(i)") }
    }

    /// 1 and 2 threads give bit-identical results: the batch's parts and every GEMM's blocks
    /// are cut by shape only. Covers parts side by side (Grad-CAM in both parts), one busy
    /// part with both threads, and a batch of one.
    func testResultsIdenticalOnOneAndTwoThreads() throws {
        let (m, xs) = try fixtures()
        defer { setBLASThreads(1) }
        for (input, wanted) in [(batch(xs), [0, 1, 2]), (batch(xs), [2]), (xs[1], [0])] {
            var runs: [[SliceClassification]] = []
            for threads in [1, 2] {
                setBLASThreads(threads)
                runs.append(try m.classify(input, gradCAMFor: wanted))
            }
            for (a, b) in zip(runs[0], runs[1]) {
                XCTAssertEqual(a.logit, b.logit, "wanted \(wanted)")
                XCTAssertEqual(a.pooled, b.pooled, "wanted \(wanted)")
                XCTAssertEqual(a.gradCAM?.fused, b.gradCAM?.fused, "wanted \(wanted)")
                XCTAssertEqual(a.gradCAM?.cam28Raw, b.gradCAM?.cam28Raw, "wanted \(wanted)")
            }
            XCTAssertEqual(runs[0].filter { $0.gradCAM != nil }.count, wanted.count)
        }
    }

    /// Running the same batch twice reuses the workspace: same results, no growth.
    /// A model loaded folded for inference keeps one copy of the weights (the store's
    /// buffers are the convolutions' own) and gives exactly the logits and maps of the
    /// trainable one; its convolution policy can still change (A/B runs).
    func testFoldedForInferenceKeepsOneCopyAndSameResults() throws {
        let (m, xs) = try fixtures()
        let folded = try ResNet50(path: Fixtures.file("model.safetensors"), foldedForInference: true)
        let input = batch(xs)
        let a = try m.classify(input, gradCAMFor: [0, 2]), b = try folded.classify(input, gradCAMFor: [0, 2])
        XCTAssertEqual(a.map(\.logit), b.map(\.logit))
        XCTAssertEqual(a[2].gradCAM?.fused, b[2].gradCAM?.fused)
        let gamma = try XCTUnwrap(folded.store.index(of: "layer1.0.bn1.weight"))
        XCTAssertEqual(folded.store.values[gamma].count, 0, "γ is folded away")
        XCTAssertTrue(folded.store.grads.allSatisfy(\.isEmpty), "no gradients allocated for inference")
        XCTAssertNil(folded.store.frozen["layer1.0.bn1.running_var"])
        let w = try XCTUnwrap(folded.store.index(of: "layer1.0.conv2.weight"))
        let sharesBuffer = folded.store.values[w].withUnsafeBufferPointer { store in
            folded.fold(winogradF4: false).blocks[0][0].conv2.weight.withUnsafeBufferPointer { $0.baseAddress == store.baseAddress }
        }
        XCTAssertTrue(sharesBuffer, "the convolutions share the store's folded weights")
        folded.convolutionPolicy.winograd = false
        let c = try folded.classify(input)
        for i in 0..<3 { XCTAssertEqual(c[i].logit, a[i].logit, accuracy: 1e-4) }
    }

    func testWorkspaceIsReused() throws {
        let (m, xs) = try fixtures()
        let first = try m.classify(batch(xs), gradCAMFor: [1])
        let bytes = m.workspaceBytes
        let second = try m.classify(batch(xs), gradCAMFor: [1])
        XCTAssertEqual(m.workspaceBytes, bytes)
        XCTAssertTrue(first[1].gradCAM?.fused == second[1].gradCAM?.fused, "same batch, same workspace: identical maps")
    }

    func testBadInputsAreErrors() throws {
        let (m, xs) = try fixtures()
        XCTAssertThrowsError(try m.classify(Tensor(zeros: [1, 1, 224, 224]))) { XCTAssertTrue($0 is ModelError) }
        XCTAssertThrowsError(try m.classify(xs[0], gradCAMFor: [1])) { XCTAssertTrue("\($0)".contains("slice 1")) }
        XCTAssertThrowsError(try m.explain(batch(xs))) { XCTAssertTrue($0 is ModelError) }
    }

    /// Weights with one tensor removed or reshaped fail with an error naming that tensor.
    func testMalformedWeightsNameTheTensor() throws {
        let src = try SafetensorsFile(path: Fixtures.file("model.safetensors"))
        var all: [String: Tensor] = [:]
        for n in src.tensorNames { all[n] = try src.tensor(n) }
        func load(_ t: [String: Tensor]) throws -> ResNet50 {
            try ResNet50(weights: SafetensorsFile(data: SafetensorsWriter.encode(t), name: "w.safetensors"))
        }
        var missing = all
        missing["layer3.5.bn2.running_var"] = nil
        XCTAssertThrowsError(try load(missing)) { e in
            XCTAssertEqual((e as? EngineError)?.kind, .missingTensor)
            XCTAssertEqual((e as? EngineError)?.tensor, "layer3.5.bn2.running_var")
        }
        var reshaped = all
        reshaped["layer2.1.conv2.weight"] = Tensor(zeros: [16, 16, 1, 9])
        XCTAssertThrowsError(try load(reshaped)) { e in
            XCTAssertEqual((e as? EngineError)?.kind, .wrongShape)
            XCTAssertEqual((e as? EngineError)?.tensor, "layer2.1.conv2.weight")
        }
        var twoLogits = all
        twoLogits["fc.weight"] = Tensor(zeros: [2, 256])
        XCTAssertThrowsError(try load(twoLogits)) { XCTAssertEqual(($0 as? EngineError)?.tensor, "fc.weight") }
        // F16 weights load too (the reader widens them), with logits close to the F32 ones.
        let half = try ResNet50(weights: SafetensorsFile(data: SafetensorsWriter.encode(all, dtype: .f16), name: "h"))
        let (m, xs) = try fixtures()
        XCTAssertEqual(try half.classify(xs[1])[0].logit, try m.classify(xs[1])[0].logit, accuracy: 0.05)
    }

    /// Grad-CAM by probability threshold: the fixture slices have P = 0.542, 0.579, 0.581.
    func testGradCAMForSlicesAboveThreshold() throws {
        let (m, xs) = try fixtures()
        let r = try m.classify(batch(xs), gradCAMThreshold: 0.56)
        XCTAssertEqual(r.map { $0.gradCAM != nil }, [false, true, true])
        let explicit = try m.classify(batch(xs), gradCAMFor: [2])
        XCTAssertLessThan(Fixtures.maxAbsDiff(r[2].gradCAM?.fused ?? [], explicit[2].gradCAM?.fused ?? [1]), 1e-5)
        XCTAssertEqual(try m.classify(batch(xs), gradCAMFor: [0], gradCAMThreshold: 0.99).map { $0.gradCAM != nil },
                       [true, false, false])
    }
}
