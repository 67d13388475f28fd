import Foundation
import Preparation
import Volumes
import XCTest
@testable import Datasets

/// COVID-CT-MD's labelled slices, and 2D images moved into a model's window.
final class CovidCTMDTests: XCTestCase {
    func testEveryLabelledSliceIsFoundAtItsPlaceInTheSortedSeries() throws {
        let root = try TestData.data("volumes/covid-ct-md")
        let data = try DatasetBuilder.covidCTMD(root: root)
        XCTAssertEqual(data.samples.count, 235)
        XCTAssertEqual(Set(data.groups), ["p001-covid", "cap001-cap", "normal001-normal"])
        XCTAssertEqual(data.samples.filter { $0.group == "p001-covid" && $0.label }.count, 41)
        XCTAssertEqual(data.samples.filter { $0.group == "cap001-cap" && $0.label }.count, 15)
        XCTAssertEqual(data.samples.filter { $0.group == "normal001-normal" && $0.label }.count, 0)
        // Independent check: the slice index orders the labels' SliceLocation along the
        // series' normal (0, 0, 1), so a larger index is a larger location.
        let table = try CSVTable.read(path: root.appendingPathComponent("labels.csv").path)
        let vol = try table.column("volume"), loc = try table.column("slice_location_mm")
        for volume in ["p001-covid", "cap001-cap", "normal001-normal"] {
            let rows = table.rows.enumerated().filter { $0.element[vol] == volume }
            let pairs = rows.map { n, row -> (Int, Double) in
                guard case .volumeSlice(_, let slice) = data.samples[n].source else { return (-1, 0) }
                return (slice, Double(row[loc])!)
            }.sorted { $0.0 < $1.0 }
            XCTAssertEqual(pairs.map(\.0), Array(0..<pairs.count), "\(volume): every slice once")
            XCTAssertEqual(pairs.map(\.1), pairs.map(\.1).sorted(), "\(volume): index follows the location")
        }
    }

    func testAFileMissingFromTheSeriesIsAnErrorNamingIt() throws {
        let folder = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let series = try TestData.data("volumes/lung-pet-ct-dx-a0002-noncovid")
        try FileManager.default.copyItem(at: series, to: folder.appendingPathComponent("v1"))
        try "volume,file,sop_instance_uid,slice_location_mm,infection,lobes\nv1,nope.dcm,1.2,0,1,\n"
            .write(to: folder.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetBuilder.covidCTMD(root: folder)) { XCTAssertTrue("\($0)".contains("v1/nope.dcm"), "\($0)") }
    }

    func test2DImagesAreMovedFromTheLungWindowIntoTheModelsWindow() throws {
        let settings = InputPreparation(windowLowHU: -1000, windowHighHU: 200, channelMean: [0, 0, 0],
                                        channelStd: [1, 1, 1], orientation: .asAcquired).applied(to: .standard)
        let loader = try SampleLoader(settings: settings)
        // 0 → −1000 HU → 0; 0.5 → −500 HU → 500/1200; 1 → 0 HU → 1000/1200.
        let out = loader.rewindowed(GrayImage(width: 3, height: 1, pixels: [0, 0.5, 1]))
        XCTAssertEqual(out.pixels[0], 0, accuracy: 1e-6)
        XCTAssertEqual(out.pixels[1], 500 / 1200, accuracy: 1e-6)
        XCTAssertEqual(out.pixels[2], 1000 / 1200, accuracy: 1e-6)
        // The default window leaves images as they are.
        let same = try SampleLoader().rewindowed(GrayImage(width: 2, height: 1, pixels: [0.25, 0.75]))
        XCTAssertEqual(same.pixels, [0.25, 0.75])
    }
}
