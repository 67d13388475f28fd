import Foundation
import XCTest
@testable import Training

/// BCE + soft Dice: a hand value and the gradient against central differences.
final class SegmentationLossTests: XCTestCase {
    /// Logits 0 (p = ½) on 4 pixels, 2 of them lung: BCE = ln 2; Dice loss =
    /// 1 − (2·1 + 1)/(4 + 1) = 0.4.
    func testHandValue() {
        let r = SegmentationLoss.lossAndGradient(logits: [0, 0, 0, 0], labels: [1, 1, 0, 0], images: 1)
        XCTAssertEqual(r.bce, log(2), accuracy: 1e-12)
        XCTAssertEqual(r.dice, 0.4, accuracy: 1e-12)
        XCTAssertEqual(r.loss, log(2) + 0.4, accuracy: 1e-12)
    }

    func testGradientMatchesFiniteDifferences() {
        var state: UInt64 = 5
        func random() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) - 0.5 }
        let logits = (0..<(3 * 20)).map { _ in 6 * random() }
        let labels = (0..<(3 * 20)).map { _ in random() > 0 ? Float(1) : 0 }
        let g = SegmentationLoss.lossAndGradient(logits: logits, labels: labels, images: 3).gradient
        for i in [0, 7, 19, 20, 33, 59] {
            var up = logits, down = logits
            up[i] += 1e-2; down[i] -= 1e-2
            let numeric = (SegmentationLoss.lossAndGradient(logits: up, labels: labels, images: 3).loss
                - SegmentationLoss.lossAndGradient(logits: down, labels: labels, images: 3).loss) / 2e-2
            XCTAssertEqual(Double(g[i]), numeric, accuracy: 1e-4 + 1e-3 * abs(numeric), "logit \(i)")
        }
    }
}
