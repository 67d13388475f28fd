import XCTest
@testable import Datasets

final class SplitTests: XCTestCase {
    private func assertDisjoint(_ s: DatasetSplits, key: (Sample) -> String, file: StaticString = #filePath, line: UInt = #line) {
        let parts = [s.train, s.validation, s.test].map { Set($0.samples.map(key)) }
        XCTAssertTrue(parts[0].isDisjoint(with: parts[1]), file: file, line: line)
        XCTAssertTrue(parts[0].isDisjoint(with: parts[2]), file: file, line: line)
        XCTAssertTrue(parts[1].isDisjoint(with: parts[2]), file: file, line: line)
    }

    func testUCSDSplitsKeepPatientsWhole() throws {
        let data = try DatasetBuilder.ucsdCovidCT(root: TestData.data("slices/ucsd-covid-ct"))
        XCTAssertEqual(data.samples.count, 553)
        XCTAssertEqual(data.positiveCount, 252)
        let s = try DatasetSplits.split(data, train: 0.7, validation: 0.15, seed: 3)
        XCTAssertEqual(s.train.samples.count + s.validation.samples.count + s.test.samples.count, 553)
        // No patient in two splits, checked on the group and independently on the table.
        assertDisjoint(s, key: \.group)
        let rule = try GroupRule.ucsdCovidCT
        assertDisjoint(s) { sample in
            guard case .image(let path) = sample.source else { return "" }
            let url = URL(fileURLWithPath: path)
            return rule.group(folder: url.deletingLastPathComponent().lastPathComponent, file: url.lastPathComponent)
        }
        for part in [s.train, s.validation, s.test] {
            XCTAssertGreaterThan(part.positiveCount, 0, part.name)
            XCTAssertLessThan(part.positiveCount, part.samples.count, part.name)
        }
        XCTAssertEqual(Double(s.train.samples.count) / 553, 0.7, accuracy: 0.08)
        for part in [s.train, s.validation, s.test] {
            print("\(part.name): \(part.samples.count) images, \(part.positiveCount) COVID, \(part.groups.count) patients")
        }
        // Deterministic per seed, different across seeds.
        XCTAssertEqual(try DatasetSplits.split(data, seed: 3), try DatasetSplits.split(data, seed: 3))
        XCTAssertNotEqual(try DatasetSplits.split(data, seed: 3).test, try DatasetSplits.split(data, seed: 4).test)
    }

    func testCovid19CTSegSplitsKeepVolumesWhole() throws {
        let root = try TestData.data("slices/covid19-ct-seg")
        let data = try DatasetBuilder.maskedSlices(images: root.appendingPathComponent("images"),
                                                   masks: root.appendingPathComponent("infection-pseudo-masks"),
                                                   grouping: .covid19CTSeg)
        XCTAssertEqual(data.samples.count, 1231)
        let s = try DatasetSplits.split(data, train: 0.6, validation: 0.2, seed: 1)
        // The volume in the file name never appears in two splits.
        assertDisjoint(s) { sample in
            guard case .maskedImage(let image, _) = sample.source else { return "" }
            return GroupRule.volumeName(covid19CTSegFile: URL(fileURLWithPath: image).lastPathComponent) ?? ""
        }
        XCTAssertFalse(s.test.samples.isEmpty)
        for part in [data, s.train, s.validation, s.test] {
            print("\(part.name): \(part.samples.count) slices, \(part.positiveCount) with infection, \(part.groups.count) patients")
        }
    }

    func testHandMadeGroupsAreNeverSplit() throws {
        // 40 groups of 1…4 samples with mixed labels.
        var samples: [Sample] = []
        for g in 0..<40 {
            for k in 0..<(1 + g % 4) {
                samples.append(Sample(source: .image(path: "/x/\(g)-\(k).png"), label: g % 3 == 0, group: "p\(g)"))
            }
        }
        let data = Dataset(name: "hand", samples: samples)
        for seed in UInt64(0)..<20 {
            let s = try DatasetSplits.split(data, train: 0.5, validation: 0.25, seed: seed)
            assertDisjoint(s, key: \.group)
            XCTAssertEqual(Set(s.train.samples + s.validation.samples + s.test.samples), Set(samples))
        }
        XCTAssertThrowsError(try DatasetSplits.split(data, train: 0.9, validation: 0.2))
    }
}

final class BatchScheduleTests: XCTestCase {
    func testEpochOrderIsSeededAndCoversEverySampleOnce() throws {
        let data = Dataset(name: "d", samples: (0..<23).map {
            Sample(source: .image(path: "/x/\($0).png"), label: $0 % 2 == 0, group: "g\($0)")
        })
        let e0 = try BatchSchedule.batches(data, batchSize: 5, epoch: 0, seed: 9)
        XCTAssertEqual(e0.map(\.count), [5, 5, 5, 5, 3])
        XCTAssertEqual(Set(e0.flatMap { $0 }), Set(data.samples))
        XCTAssertEqual(e0, try BatchSchedule.batches(data, batchSize: 5, epoch: 0, seed: 9))
        XCTAssertNotEqual(e0, try BatchSchedule.batches(data, batchSize: 5, epoch: 1, seed: 9))
        XCTAssertEqual(try BatchSchedule.batches(data, batchSize: 5, epoch: 0, seed: 9, dropLast: true).count, 4)
        XCTAssertThrowsError(try BatchSchedule.batches(data, batchSize: 0, epoch: 0))
    }

    func testSharedSlicesCounts() throws {
        let slices = try TestData.data("slices")
        XCTAssertEqual(try SharedSlices.medseg(slices: slices).samples.count, 50)
        let ucsd = try SharedSlices.ucsdCovidCT(slices: slices)
        XCTAssertEqual([ucsd.samples.count, ucsd.positiveCount], [553, 252])
    }

    /// A group of 10 capped at 4 keeps samples 0, 2, 5, 7 (k·10/4); smaller groups stay whole.
    func testCapPerGroupSpreadsOverEachGroup() {
        func sample(_ i: Int, _ g: String) -> Sample { Sample(source: .image(path: "\(g)-\(i)"), label: i % 2 == 0, group: g) }
        let big = (0..<10).map { sample($0, "a") }, small = (0..<3).map { sample($0, "b") }
        let data = Dataset(name: "d", samples: [small[0]] + big + Array(small[1...]))
        let capped = data.capped(perGroup: 4)
        XCTAssertEqual(capped.samples, [small[0], big[0], big[2], big[5], big[7], small[1], small[2]])
        XCTAssertEqual(data.capped(perGroup: 10), data)
        // What the cap leaves out: the other six of the big group, in order; nothing of the small.
        XCTAssertEqual(data.leftOut(byCap: 4).samples, [big[1], big[3], big[4], big[6], big[8], big[9]])
        XCTAssertEqual(data.leftOut(byCap: 10).samples, [])
    }

    /// Merging prefixes the group with the set's name and keeps the rest of a sample,
    /// its orientation included (a sideways set must stay turned upright when merged).
    func testMergingKeepsEverythingButTheGroupName() {
        let a = Dataset(name: "a", samples: [Sample(source: .image(path: "/x.png"), label: true, group: "p1", orientation: .spineRight)])
        let b = Dataset(name: "b", samples: [Sample(source: .image(path: "/y.png"), label: false, group: "p1")])
        let merged = Dataset.merged([a, b], name: "m")
        XCTAssertEqual(merged.samples, [
            Sample(source: .image(path: "/x.png"), label: true, group: "a/p1", orientation: .spineRight),
            Sample(source: .image(path: "/y.png"), label: false, group: "b/p1"),
        ])
    }

    /// A splits.json written before samples had an orientation reads them as upright; a
    /// sample's orientation survives a round trip.
    func testSamplesWithoutOrientationReadAsUpright() throws {
        let old = #"{"source":{"image":{"path":"/x.png"}},"label":true,"group":"p1"}"#
        let s = try JSONDecoder().decode(Sample.self, from: Data(old.utf8))
        XCTAssertEqual(s, Sample(source: .image(path: "/x.png"), label: true, group: "p1", orientation: .upright))
        let turned = Sample(source: .image(path: "/y.png"), label: false, group: "p2", orientation: .spineLeft)
        XCTAssertEqual(try JSONDecoder().decode(Sample.self, from: JSONEncoder().encode(turned)), turned)
    }

    /// Forced groups land whole where they are told, the rest stays as dealt; unknown or
    /// contradictory names are errors, not silently ignored.
    func testForcedGroupsGoWholeWhereTheyAreTold() throws {
        let data = Dataset(name: "d", samples: (0..<40).map {
            Sample(source: .image(path: "i\($0)"), label: $0 % 2 == 0, group: "g\($0 / 4)")
        })
        let dealt = try DatasetSplits.split(data, seed: 1)
        let s = try dealt.forcing(train: ["g0", "g1"], test: ["g2"])
        XCTAssertEqual(Set(s.train.samples.filter { ["g0", "g1"].contains($0.group) }.map(\.group)), ["g0", "g1"])
        XCTAssertFalse(s.validation.samples.contains { ["g0", "g1", "g2"].contains($0.group) })
        XCTAssertFalse(s.test.samples.contains { ["g0", "g1"].contains($0.group) })
        XCTAssertEqual(s.test.samples.filter { $0.group == "g2" }.count, 4)
        XCTAssertEqual(s.train.samples.count + s.validation.samples.count + s.test.samples.count, 40)
        for other in (3..<10).map({ "g\($0)" }) {
            let where0 = [dealt.train, dealt.validation, dealt.test].firstIndex { $0.samples.contains { $0.group == other } }
            let where1 = [s.train, s.validation, s.test].firstIndex { $0.samples.contains { $0.group == other } }
            XCTAssertEqual(where0, where1, other)
        }
        XCTAssertThrowsError(try dealt.forcing(train: ["g99"], test: [])) { XCTAssertTrue("\($0)".contains("no group named 'g99'"), "\($0)") }
        XCTAssertThrowsError(try dealt.forcing(train: ["g1"], test: ["g1"])) {
            XCTAssertTrue("\($0)".contains("'g1' cannot be forced into train and test"), "\($0)")
        }
    }
}
