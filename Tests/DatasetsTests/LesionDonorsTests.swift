import Imaging
import Preparation
import Segmentation
import XCTest
@testable import Datasets

/// `LesionDonorPlan`: which COVID-19-CT-Seg volumes give lesions to the paste, to training and
/// to validation, and `DatasetSplits.adding`, which puts them in without moving anything else.
final class LesionDonorsTests: XCTestCase {
    /// Six volumes v0…v5, four slices each (three with a lesion).
    func toySet() -> Dataset {
        Dataset(name: "ct", samples: (0..<24).map {
            Sample(source: .maskedImage(image: "i\($0)", mask: "m\($0)"), label: $0 % 4 != 0, group: "v\($0 / 4)")
        })
    }

    /// Donors are every other volume; a validation donor is in neither the paste nor the
    /// training samples, and its slices (only its own) are the validation samples.
    func testValidationDonorLeavesThePasteAndTraining() throws {
        let plan = try LesionDonorPlan(set: toySet(), validation: ["ct/v3"])
        XCTAssertEqual(plan.donorVolumes, ["v1", "v3", "v5"])
        XCTAssertEqual(plan.pasteVolumes, ["v1", "v5"])
        XCTAssertEqual(plan.validationVolumes, ["v3"])
        XCTAssertEqual(Set(plan.pasteSamples.map(\.group)), ["v1", "v5"])
        XCTAssertTrue(plan.pasteSamples.allSatisfy(\.label), "only lesion slices are pasted")
        XCTAssertEqual(plan.pasteSamples.count, 6)
        let training = plan.trainingSamples(cap: nil), validation = plan.validationSamples(cap: nil)
        XCTAssertEqual(Set(training.map(\.group)), ["ct/v1", "ct/v5"])
        XCTAssertEqual(training.count, 8, "every slice of the paste donors, with and without a lesion")
        XCTAssertEqual(Set(validation.map(\.group)), ["ct/v3"])
        XCTAssertEqual(validation.map(\.source), (12..<16).map { .maskedImage(image: "i\($0)", mask: "m\($0)") })
        XCTAssertEqual(plan.validationSamples(cap: 2).count, 2)
        XCTAssertEqual(plan.donorList, "ct/v1\nct/v3\nct/v5\n", "the list names every donor, validation ones too")
        // Without validation donors: every donor pastes (the shipped recipe).
        let all = try LesionDonorPlan(set: toySet())
        XCTAssertEqual(all.pasteVolumes, ["v1", "v3", "v5"])
        XCTAssertTrue(all.validationSamples(cap: nil).isEmpty)
        // The unprefixed name means the same volume.
        XCTAssertEqual(try LesionDonorPlan(set: toySet(), validation: ["v3"]), plan)
    }

    /// A volume that is not a donor is unseen test data: naming it is an error; so are a
    /// name given twice and holding every donor back.
    func testOnlyDonorsCanBeHeldForValidation() {
        XCTAssertThrowsError(try LesionDonorPlan(set: toySet(), validation: ["ct/v2"])) {
            XCTAssertTrue("\($0)".contains("'ct/v2' is not a lesion donor volume"), "\($0)")
        }
        XCTAssertThrowsError(try LesionDonorPlan(set: toySet(), validation: ["v1", "ct/v1"])) {
            XCTAssertTrue("\($0)".contains("named twice"), "\($0)")
        }
        XCTAssertThrowsError(try LesionDonorPlan(set: toySet(), validation: ["v1", "v3", "v5"])) {
            XCTAssertTrue("\($0)".contains("none left to paste"), "\($0)")
        }
    }

    /// Adding samples moves nothing that was dealt: the test split stays as it was, the new
    /// samples land where told, and a group already in the splits cannot come in again.
    func testAddingLeavesTheDealAlone() throws {
        let data = Dataset(name: "d", samples: (0..<40).map {
            Sample(source: .image(path: "i\($0)"), label: $0 % 2 == 0, group: "g\($0 / 4)")
        })
        let dealt = try DatasetSplits.split(data, seed: 1)
        let plan = try LesionDonorPlan(set: toySet(), validation: ["v5"])
        let s = try dealt.adding(train: plan.trainingSamples(cap: nil), validation: plan.validationSamples(cap: nil))
        XCTAssertEqual(s.test, dealt.test)
        XCTAssertEqual(Array(s.train.samples.prefix(dealt.train.samples.count)), dealt.train.samples)
        XCTAssertEqual(Array(s.train.samples.dropFirst(dealt.train.samples.count)), plan.trainingSamples(cap: nil))
        XCTAssertEqual(Array(s.validation.samples.dropFirst(dealt.validation.samples.count)), plan.validationSamples(cap: nil))
        XCTAssertFalse(s.train.samples.contains { $0.group == "ct/v5" })
        let taken = dealt.train.samples[0]
        XCTAssertThrowsError(try dealt.adding(train: [taken], validation: [])) {
            XCTAssertTrue("\($0)".contains("already in the splits"), "\($0)")
        }
        let extra = Sample(source: .image(path: "x"), label: true, group: "new")
        XCTAssertThrowsError(try dealt.adding(train: [extra], validation: [extra])) {
            XCTAssertTrue("\($0)".contains("training and validation at once"), "\($0)")
        }
    }

    /// On the real COVID-19-CT-Seg slices: the six donors, the two validation donors of the
    /// trained variant kept out of the paste and training, 80 slices at most per volume.
    func testRealDonorsAndValidationVolumes() throws {
        let set = try DatasetBuilder.covid19CTSeg(root: TestData.data("slices/covid19-ct-seg"))
        let plan = try LesionDonorPlan(set: set, validation: ["covid19-ct-seg/coronacases_org_008",
                                                              "covid19-ct-seg/radiopaedia-case-27"])
        XCTAssertEqual(plan.donorVolumes, ["coronacases_org_002", "coronacases_org_004", "coronacases_org_006",
                                           "coronacases_org_008", "radiopaedia-case-27", "radiopaedia-case-4"])
        let held: Set<String> = ["coronacases_org_008", "radiopaedia-case-27"]
        XCTAssertTrue(plan.pasteSamples.allSatisfy { !held.contains($0.group) })
        XCTAssertTrue(plan.trainingSamples(cap: 80).allSatisfy { !held.contains(String($0.group.dropFirst("covid19-ct-seg/".count))) })
        let validation = plan.validationSamples(cap: 80)
        XCTAssertEqual(Set(validation.map(\.group)), ["covid19-ct-seg/coronacases_org_008", "covid19-ct-seg/radiopaedia-case-27"])
        XCTAssertEqual(validation.count, 80 + 35)
        let images = Set((plan.trainingSamples(cap: nil) + plan.pasteSamples).map(\.source))
        XCTAssertTrue(images.isDisjoint(with: validation.map(\.source)), "no validation slice is trained on or pasted")
    }

    /// A donor slice's mask lies where its lesion lies in the prepared slice: the mask file,
    /// read as an image and put through the same augmentation draw and resize, cut at half,
    /// is the mask the loader hands to the loss (rotation, flip and crop on).
    func testRealDonorMasksFollowTheirImagesThroughAugmentation() throws {
        let set = try DatasetBuilder.covid19CTSeg(root: TestData.data("slices/covid19-ct-seg"))
        let plan = try LesionDonorPlan(set: set)
        var settings = ScreeningSettings.standard
        settings.inputSize = 96
        let loader = try SampleLoader(settings: settings)
        let augmentation = Augmentation(maxRotationDegrees: 10, flipProbability: 0.5, minCropFraction: 0.85)
        var checked = 0
        for (k, sample) in plan.trainingSamples(cap: 3).enumerated() {
            guard case .maskedImage(let imagePath, let maskPath) = sample.source else { return XCTFail("\(sample)") }
            let image = try ImageFile.readGray(imagePath), maskImage = try ImageFile.readGray(maskPath)
            guard image.width == maskImage.width, image.height == maskImage.height,
                  let top = maskImage.pixels.max(), top > 0.99 else { continue }
            var r1 = SplitMix64(seed: UInt64(k + 1)), r2 = SplitMix64(seed: UInt64(k + 1))
            let (_, mask) = try loader.preparedWithMask(sample, augmentation: augmentation, wantMask: true, rng: &r1)
            let asImage = Sample(source: .image(path: maskPath), label: true, group: sample.group, orientation: sample.orientation)
            let moved = try loader.prepared(asImage, augmentation: augmentation, rng: &r2).pixels.map { $0 >= 0.5 }
            // A small lesion can fall outside the crop: then no mask (and no CAM term), and the
            // moved mask file must be empty there too.
            let m = mask ?? [Bool](repeating: false, count: moved.count)
            let disagree = zip(m, moved).filter { $0 != $1 }.count
            XCTAssertLessThanOrEqual(disagree, m.count / 500, "\(imagePath): \(disagree) pixels off")
            if mask != nil { checked += 1 }
        }
        XCTAssertGreaterThan(checked, 3, "enough real donor slices with same-size masks")
    }
}
