import Datasets
import Foundation
import Imaging
import Preparation
import Screening
import Segmentation
import XCTest
@testable import CTScreenCLI

/// The in-memory slice cache prepares exactly the batches `SampleLoader.batch` would, with
/// and without augmentation (same draws from the same generator).
final class TrainSliceCacheTests: XCTestCase {
    func testCachedBatchesEqualLoaderBatches() throws {
        let volume = AnalyzeTests.shared.appendingPathComponent("data/volumes/lung-pet-ct-dx-a0002-noncovid").path
        guard FileManager.default.fileExists(atPath: volume) else { throw XCTSkip("volume missing: \(volume)") }
        var settings = ScreeningSettings.standard
        settings.inputSize = 64
        let samples = [12, 3, 20, 7].map { Sample(source: .volumeSlice(volume: volume, slice: $0), label: $0 > 10, group: "v") }
        let cache = TrainSliceCache(loader: try SampleLoader(settings: settings, segmenter: ClassicalLungSegmenter()))
        XCTAssertEqual(try cache.preload(samples), 4)
        let reference = try SampleLoader(settings: settings, segmenter: ClassicalLungSegmenter())
        for aug in [Augmentation.none, Augmentation()] {
            var r1 = SplitMix64(seed: 9), r2 = SplitMix64(seed: 9)
            let a = try cache.batch(samples, augmentation: aug, rng: &r1)
            let b = try reference.batch(samples, augmentation: aug, rng: &r2)
            XCTAssertEqual(a.labels, [1, 0, 1, 0])
            XCTAssertEqual(a.labels, b.labels)
            XCTAssertEqual(a.input, b.input, "augmentation \(aug)")
            XCTAssertEqual(r1.next(), r2.next(), "same number of draws")
        }
    }
}
