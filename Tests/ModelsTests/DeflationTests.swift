import Foundation
import Models
import NeuralEngine
import XCTest

/// A 3D CT backbone deflated to 2D (3D kernels summed over depth) computes on one slice what
/// the 3D network computes on a slab that is constant along depth. The fixture
/// (Scripts/default-model/make-deflation-fixture.py) holds a small random inflated network
/// deflated by the importer's code, and the 3D network's layer4 features and logit at the
/// slab's centre from an independent numpy implementation.
final class DeflationTests: XCTestCase {
    static var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/deflation.safetensors").path
    }

    func testDeflatedNetworkOnASliceEqualsTheInflatedOneOnAConstantSlab() throws {
        let file = try SafetensorsFile(path: Self.fixture)
        let network = try ResNet50(weights: file)
        XCTAssertEqual(network.layers.map(\.count), [1, 2, 1, 1], "block counts come from the weights")
        let input = try file.tensor("input", shape: [1, 3, 32, 32])
        let expectedPooled = try file.tensor("expected.pooled").data
        let expectedLogit = try file.tensor("expected.logit").data[0]
        let result = try XCTUnwrap(network.classify(input, gradCAMThreshold: 2).first)
        XCTAssertEqual(result.pooled.count, expectedPooled.count)
        let scale = expectedPooled.map(abs).max()!
        let worst = zip(result.pooled, expectedPooled).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst / scale, 1e-4, "pooled features vs the 3D network's at the slab centre")
        XCTAssertEqual(result.logit, expectedLogit, accuracy: 1e-4 * max(1, abs(expectedLogit)))
    }
}
