import CTScreenTestSupport
import Foundation
import XCTest
import Volumes
@testable import Segmentation

/// Lung masks of the two real series in ../shared/data/volumes: plausible volumes (2–8 L),
/// both lungs present, lung slices and ROI sensible. Each study is read and segmented once.
final class RealStudyLungTests: XCTestCase {
    struct Case { var volume: Volume; var lungs: LungMask; var seconds: Double }
    nonisolated(unsafe) static var cache: [String: Result<Case, Error>] = [:]

    static func study(_ name: String) throws -> Case {
        let url = try SharedFolder.existing("data/volumes/\(name)")
        if cache[name] == nil {
            cache[name] = Result {
                let volume = try DICOMSeriesReader.read(url)
                let start = Date()
                let lungs = try LungSegmenter().segment(volume)
                return Case(volume: volume, lungs: lungs, seconds: Date().timeIntervalSince(start))
            }
        }
        return try cache[name]!.get()
    }

    func check(_ name: String, minimumLungSlices: Int) throws {
        let c = try Self.study(name)
        let l = c.lungs
        print(String(format: "%@: lung volume %.2f L, %d lung slices of %d, ROI %@, segmented in %.1f s",
                     name, l.volumeLitres, l.lungSlices.count, c.volume.size.slices,
                     "\(l.boundingBox.map { "\($0)" } ?? "none")", c.seconds))
        XCTAssertTrue((2.0...8.0) ~= l.volumeLitres, "lung volume \(l.volumeLitres) L")
        XCTAssertGreaterThanOrEqual(l.lungSlices.count, minimumLungSlices)
        // Both lungs: each half of the ROI holds at least a quarter of the lung voxels.
        let box = try XCTUnwrap(l.boundingBox)
        let mid = (box.column + box.lastColumn) / 2
        var left = 0, right = 0
        let s = l.mask.size
        for i in 0..<s.count where l.mask.voxels[i] != 0 {
            if i % s.columns < mid { left += 1 } else { right += 1 }
        }
        XCTAssertGreaterThan(Double(min(left, right)), 0.25 * Double(left + right), "\(left) vs \(right)")
        // The ROI is a chest, not the whole image: between a quarter and 95 % of the width.
        XCTAssertTrue((s.columns / 4)...(s.columns * 95 / 100) ~= box.columns, "\(box)")
        // Lung voxels are mostly air: the median HU of the mask lies in the lung range.
        var hu: [Int16] = []
        for i in stride(from: 0, to: s.count, by: 7) where l.mask.voxels[i] != 0 { hu.append(c.volume.voxels[i]) }
        let median = hu.sorted()[hu.count / 2]
        XCTAssertTrue((-950)...(-700) ~= median, "median HU \(median)")
    }

    func testCovidStudyLungs() throws {
        try check("ricord-1a-000082-covid", minimumLungSlices: 150)
    }

    func testNonCovidStudyLungs() throws {
        try check("lung-pet-ct-dx-a0002-noncovid", minimumLungSlices: 15)
    }
}
