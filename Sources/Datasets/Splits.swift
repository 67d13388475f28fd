import Imaging
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

extension DatasetSplits {
    /// The same splits with every sample of the `train` groups in train and of the `test`
    /// groups in test, wherever the deal put them (e.g. leave one volume out). A named group
    /// that no sample has, or one named twice, is an error: a typo must not quietly leave a
    /// volume in the training data.
    public func forcing(train: [String], test: [String]) throws -> DatasetSplits {
        let all = Set((self.train.samples + validation.samples + self.test.samples).map(\.group))
        for g in train + test where !all.contains(g) {
            throw DatasetError.invalidSetting("no group named '\(g)' (groups look like 'covid-ct-md/p001-covid')")
        }
        if let g = Set(train).intersection(test).first {
            throw DatasetError.invalidSetting("group '\(g)' cannot be forced into train and test at once")
        }
        let toTrain = Set(train), toTest = Set(test)
        func place(_ s: Sample, _ current: Int) -> Int { toTrain.contains(s.group) ? 0 : toTest.contains(s.group) ? 2 : current }
        var parts: [[Sample]] = [[], [], []]
        for (k, d) in [self.train, validation, self.test].enumerated() {
            for s in d.samples { parts[place(s, k)].append(s) }
        }
        return DatasetSplits(train: Dataset(name: self.train.name, samples: parts[0]),
                             validation: Dataset(name: validation.name, samples: parts[1]),
                             test: Dataset(name: self.test.name, samples: parts[2]))
    }
}
