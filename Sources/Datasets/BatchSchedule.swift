import Foundation
import Imaging
import Segmentation

/// The order of samples in one epoch: a seeded shuffle that differs per epoch and is the same
/// on every run (so a training resumed at epoch k sees what an uninterrupted run would).
public enum BatchSchedule {
    /// The samples of `data` shuffled with SplitMix64(seed ⊕ epoch-mix), cut into batches of
    /// `batchSize` (the last one may be smaller; `dropLast` drops it).
    public static func batches(_ data: Dataset, batchSize: Int, epoch: Int, seed: UInt64 = 1,
                               dropLast: Bool = false) throws -> [[Sample]] {
        guard batchSize > 0 else { throw DatasetError.invalidSetting("batch size must be positive, got \(batchSize)") }
        var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15))
        var order = data.samples
        order.shuffle(using: &rng)
        var out = stride(from: 0, to: order.count, by: batchSize).map {
            Array(order[$0..<min($0 + batchSize, order.count)])
        }
        if dropLast, let last = out.last, last.count < batchSize { out.removeLast() }
        return out
    }
}

/// The 2D sets of the shared data folder (`<shared>/data/slices`, see its README), built with
/// the grouping each needs for patient-wise splits.
public enum SharedSlices {
    /// UCSD-AI4H COVID-CT: 252 COVID, 301 non-COVID images, grouped by patient.
    public static func ucsdCovidCT(slices: URL) throws -> Dataset {
        try DatasetBuilder.ucsdCovidCT(root: slices.appendingPathComponent("ucsd-covid-ct"))
    }

    /// COVID-19-CT-Seg (Inf-Net release): 1,231 slices with infection pseudo-masks.
    public static func covid19CTSeg(slices: URL) throws -> Dataset {
        try DatasetBuilder.covid19CTSeg(root: slices.appendingPathComponent("covid19-ct-seg"))
    }

    /// MedSeg COVID-19: 50 slices with radiologist masks.
    public static func medseg(slices: URL) throws -> Dataset {
        try DatasetBuilder.medseg(root: slices.appendingPathComponent("medseg-covid19"))
    }
}
