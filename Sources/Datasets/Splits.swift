import Segmentation

/// Train / validation / test splits that keep every group (patient or volume) whole.
public struct DatasetSplits: Equatable, Sendable {
    public var train: Dataset
    public var validation: Dataset
    public var test: Dataset

    /// Fractions are of samples, reached by whole groups, so they are approximate.
    ///
    /// Deterministic: groups are sorted by name, shuffled with SplitMix64(`seed`), and dealt
    /// in that order, separately for groups whose samples are mostly positive and mostly
    /// negative (so each split gets both classes when there are enough groups): a group goes
    /// to train while train holds less than `train` of that stratum's samples, then to
    /// validation while it holds less than `validation`, then to test.
    public static func split(_ data: Dataset, train: Double = 0.7, validation: Double = 0.15,
                             seed: UInt64 = 1) throws -> DatasetSplits {
        guard train > 0, validation >= 0, train + validation <= 1 else {
            throw DatasetError.invalidSetting("split fractions train \(train), validation \(validation) must be ≥ 0 and sum to ≤ 1")
        }
        var byGroup: [String: [Sample]] = [:]
        for s in data.samples { byGroup[s.group, default: []].append(s) }
        var rng = SplitMix64(seed: seed)
        var parts: [[Sample]] = [[], [], []]
        for positive in [true, false] {
            var groups = byGroup.keys.filter { key in
                let members = byGroup[key] ?? []
                return (members.filter(\.label).count * 2 >= members.count) == positive
            }.sorted()
            groups.shuffle(using: &rng)
            let total = Double(groups.reduce(0) { $0 + (byGroup[$1]?.count ?? 0) })
            var counts = [0.0, 0.0, 0.0]
            for g in groups {
                let members = byGroup[g] ?? []
                let target = counts[0] < train * total ? 0 : counts[1] < validation * total ? 1 : 2
                counts[target] += Double(members.count)
                parts[target] += members
            }
        }
        return DatasetSplits(train: Dataset(name: data.name + "-train", samples: parts[0]),
                             validation: Dataset(name: data.name + "-validation", samples: parts[1]),
                             test: Dataset(name: data.name + "-test", samples: parts[2]))
    }
}
