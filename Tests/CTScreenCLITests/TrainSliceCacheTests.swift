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

    /// With `lesionErase` at probability 1 a masked positive comes out a negative without a
    /// mask, its pixels changed only where its lesion was (grown by the margin), on the same
    /// augmentation draw; a negative image is untouched, and validation batches (no
    /// augmentation) are never erased.
    func testErasedPositivesBecomeNegatives() throws {
        let ctseg = AnalyzeTests.shared.appendingPathComponent("data/slices/covid19-ct-seg")
        guard FileManager.default.fileExists(atPath: ctseg.path) else { throw XCTSkip("data missing: \(ctseg.path)") }
        var settings = ScreeningSettings.standard
        settings.inputSize = 64
        let positive = try XCTUnwrap(DatasetBuilder.covid19CTSeg(root: ctseg).samples.first { $0.label && $0.group == "coronacases_org_002" })
        let cache = TrainSliceCache(loader: try SampleLoader(settings: settings, segmenter: nil))
        var r1 = SplitMix64(seed: 4), r2 = SplitMix64(seed: 4)
        let plain = try cache.preparedBatch([positive], augmentation: Augmentation(), wantMasks: true, rng: &r1)
        cache.lesionErase = LesionErase(probability: 1)
        let erased = try cache.preparedBatch([positive], augmentation: Augmentation(), wantMasks: true, rng: &r2)
        XCTAssertEqual(plain.labels, [1])
        XCTAssertEqual(erased.labels, [0])
        XCTAssertNil(erased.masks[0])
        let mask = try XCTUnwrap(plain.masks[0])
        let grown = LesionErase.dilated(mask, side: 64, radius: LesionErase.margin)
        let changed = (0..<mask.count).filter { plain.prepared[0].pixels[$0] != erased.prepared[0].pixels[$0] }
        XCTAssertGreaterThan(changed.count, mask.filter { $0 }.count / 2, "the lesion was painted over")
        XCTAssertTrue(changed.allSatisfy { grown[$0] }, "nothing outside the grown lesion changes")
        var r3 = SplitMix64(seed: 4), r4 = SplitMix64(seed: 4)
        let validation = try cache.preparedBatch([positive], augmentation: .none, wantMasks: true, rng: &r3)
        XCTAssertEqual(validation.labels, [1])
        XCTAssertEqual(r3.next(), r4.next(), "no draw on validation batches")
        var negative = positive
        negative.label = false
        var r5 = SplitMix64(seed: 4), r6 = SplitMix64(seed: 4)
        cache.lesionErase = nil
        let before = try cache.preparedBatch([negative], augmentation: Augmentation(), rng: &r5)
        cache.lesionErase = LesionErase(probability: 1)
        let after = try cache.preparedBatch([negative], augmentation: Augmentation(), rng: &r6)
        XCTAssertEqual(after.labels, [0])
        XCTAssertTrue(before.prepared[0].pixels == after.prepared[0].pixels, "a negative is not erased")
    }
}
