import Imaging
import Preparation
import Screening
import XCTest
import Segmentation
import Volumes
@testable import Datasets

final class LoaderTests: XCTestCase {
    func testStbDecodesWhatLibpngWrote() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("g.png").path
        let bytes: [UInt8] = (0..<(7 * 5)).map { UInt8(($0 * 37) % 256) }
        try PNGFile.write(PNGFile.Image(width: 7, height: 5, channels: 1, pixels: bytes), to: path)
        let img = try ImageFile.readGray(path)
        XCTAssertEqual(img.width, 7)
        XCTAssertEqual(img.height, 5)
        XCTAssertEqual(img.pixels, bytes.map { Float($0) / 255 })
        XCTAssertThrowsError(try ImageFile.readGray(folder.appendingPathComponent("missing.png").path)) {
            XCTAssertTrue("\($0)".contains("missing.png"), "\($0)")
        }
    }

    func testRealJPEGAndPNGSizes() throws {
        // `file` reports 235 x 320 (JPEG, 1 component) and 564 x 361 (RGBA PNG).
        let jpg = try ImageFile.readGray(TestData.data("slices/covid19-ct-seg/images/Data-1_coronacases_org_001_1.jpg").path)
        XCTAssertEqual([jpg.width, jpg.height], [235, 320])
        let png = try ImageFile.readGray(TestData.data("slices/ucsd-covid-ct/CT_COVID/2020.01.24.919183-p27-132.png").path)
        XCTAssertEqual([png.width, png.height], [564, 361])
        XCTAssertTrue(png.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testMaskLabelsAgreeWithLibpng() throws {
        let root = try TestData.data("slices/medseg-covid19")
        let data = try DatasetBuilder.maskedSlices(images: root.appendingPathComponent("images"),
                                                   masks: root.appendingPathComponent("infection-masks"),
                                                   grouping: .wholeFolder)
        XCTAssertEqual(data.samples.count, 50)
        XCTAssertEqual(data.groups.count, 1)
        for sample in data.samples.prefix(12) {
            guard case .maskedImage(_, let mask) = sample.source else { return XCTFail("\(sample)") }
            let independent = try PNGFile.read(mask, channels: 1).pixels.contains { $0 != 0 }
            XCTAssertEqual(sample.label, independent, mask)
        }
    }

    /// A masked image's mask goes through the image's own augmentation draw: the slice is
    /// `prepared`'s (same draws), the mask lies on the lesion (flipped with the image), and
    /// samples without a mask get none.
    func testPreparedMaskFollowsTheAugmentation() throws {
        let root = try TestData.data("slices/medseg-covid19")
        let data = try DatasetBuilder.medseg(root: root)
        let sample = try XCTUnwrap(data.samples.first { $0.label })
        var settings = ScreeningSettings.standard
        settings.inputSize = 64
        let loader = try SampleLoader(settings: settings)
        var r0 = SplitMix64(seed: 1)
        let (still, stillMask) = try loader.preparedWithMask(sample, wantMask: true, rng: &r0)
        XCTAssertEqual(try XCTUnwrap(stillMask), try XCTUnwrap(loader.lesionMask(for: sample, side: 64)),
                       "without augmentation: the mask `lesionMask` gives")
        XCTAssertEqual(still, try loader.prepared(sample, rng: &r0))
        let flipOnly = Augmentation(maxRotationDegrees: 0, flipProbability: 1, minCropFraction: 1)
        var r1 = SplitMix64(seed: 2), r2 = SplitMix64(seed: 2)
        let (flipped, flippedMask) = try loader.preparedWithMask(sample, augmentation: flipOnly, wantMask: true, rng: &r1)
        XCTAssertEqual(flipped, try loader.prepared(sample, augmentation: flipOnly, rng: &r2))
        XCTAssertEqual(r1.next(), r2.next(), "same draws as prepared")
        let m = try XCTUnwrap(flippedMask), s = try XCTUnwrap(stillMask)
        for r in 0..<64 { for c in 0..<64 { XCTAssertEqual(m[r * 64 + c], s[r * 64 + 63 - c], "(\(r), \(c))") } }
        let plain = Sample(source: .image(path: try XCTUnwrap({ if case .maskedImage(let i, _) = sample.source { return i }; return nil }())),
                           label: true, group: "g", orientation: sample.orientation)
        XCTAssertNil(try loader.preparedWithMask(plain, wantMask: true, rng: &r0).mask)
        XCTAssertNil(try loader.preparedWithMask(sample, wantMask: false, rng: &r0).mask)
    }

    func testConstantImageBecomesImageNetNormalisedInput() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("white.png").path
        try PNGFile.write(PNGFile.Image(width: 30, height: 20, channels: 1, pixels: [UInt8](repeating: 255, count: 600)), to: path)
        let loader = try SampleLoader()
        var rng = SplitMix64(seed: 1)
        let (input, labels) = try loader.batch([Sample(source: .image(path: path), label: true, group: "w")],
                                               augmentation: .none, rng: &rng)
        XCTAssertEqual(labels, [1])
        XCTAssertEqual(input.count, 3 * 224 * 224)
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        for c in 0..<3 {
            let plane = input[(c * 224 * 224)..<((c + 1) * 224 * 224)]
            XCTAssertTrue(plane.allSatisfy { abs($0 - (1 - mean[c]) / std[c]) < 1e-5 }, "channel \(c)")
        }
    }

    func testVolumeSliceIsWindowedLikeThePipeline() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // 4×4×3 volume: slice 1 holds −1000 (left half) and −500 (right half) HU.
        let size = VolumeSize(columns: 4, rows: 4, slices: 3)
        var voxels = [Int16](repeating: 0, count: size.count)
        for r in 0..<4 { for c in 0..<4 { voxels[(1 * 4 + r) * 4 + c] = c < 2 ? -1000 : -500 } }
        let volume = Volume(size: size, geometry: Geometry(spacing: [1, 1, 1], origin: [0, 0, 0]),
                            metadata: StudyMetadata(), voxels: voxels)
        let url = folder.appendingPathComponent("v.nii.gz")
        try NIfTI.write(volume, to: url)
        try "volume,slice,label\nv.nii.gz,1,1\nv.nii.gz,2,0\n".write(to: folder.appendingPathComponent("s.csv"),
                                                                   atomically: true, encoding: .utf8)
        let data = try DatasetBuilder.volumeSlices(csv: folder.appendingPathComponent("s.csv"))
        XCTAssertEqual(data.samples.map(\.label), [true, false])
        XCTAssertEqual(data.groups.count, 1)
        let loader = try SampleLoader()
        let img = try loader.image(for: data.samples[0])
        // NIfTI may store rows/columns flipped (LPS↔RAS); the window maps −1000 → 0, −500 → 0.5.
        XCTAssertEqual(Set(img.pixels), [0, 0.5])
        XCTAssertEqual(img.pixels.filter { $0 == 0.5 }.count, 8)
        XCTAssertEqual(try loader.image(for: data.samples[1]).pixels, [Float](repeating: 1, count: 16))
        XCTAssertThrowsError(try loader.image(for: Sample(source: .volumeSlice(volume: url.path, slice: 3), label: true, group: "v")))
    }

    func testDICOMFolderSliceMatchesTheVolumeReader() throws {
        let series = try TestData.data("volumes/lung-pet-ct-dx-a0002-noncovid")
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "volume,slice,label,group\n\(series.path),15,0,A0002\n".write(
            to: folder.appendingPathComponent("s.csv"), atomically: true, encoding: .utf8)
        let data = try DatasetBuilder.volumeSlices(csv: folder.appendingPathComponent("s.csv"))
        XCTAssertEqual(data.samples.first?.group, "A0002")
        let img = try SampleLoader().image(for: data.samples[0])
        XCTAssertEqual([img.width, img.height], [512, 512])
        // Spot checks against the reader's HU and the lung window [−1000, 0].
        let volume = try DICOMSeriesReader.read(series)
        for (r, c) in [(0, 0), (256, 256), (300, 120), (100, 400)] {
            let expected = min(max((Float(volume[15, r, c]) + 1000) / 1000, 0), 1)
            XCTAssertEqual(img[r, c], expected, accuracy: 1e-6, "(\(r), \(c))")
        }
    }

    func testSubsampleForShortRuns() throws {
        let data = try DatasetBuilder.ucsdCovidCT(root: TestData.data("slices/ucsd-covid-ct"))
        let small = data.subsample(every: 10, limitPerLabel: 8)
        XCTAssertEqual(small.samples.count, 16)
        XCTAssertEqual(small.positiveCount, 8)
    }
}
