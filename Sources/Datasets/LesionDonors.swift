import Foundation

/// Which COVID-19-CT-Seg volumes give their lesions to training, and what else they give.
///
/// The donors are the volumes (patients) at odd places of the sorted list; the others are
/// never seen in training (the evaluation scores them as unseen data, leaving out every volume
/// named in the run's `lesion-donors.txt`, which lists all donors).
///
/// - Paste donors: their lesion slices are pasted into negative training slices
///   (`LesionPaste`), at most `pasteSlicesPerVolume` per volume (evenly spaced).
/// - With `trainOnDonors`, the paste donors' own slices (images with their infection masks,
///   positives and negatives alike) also join the training split: real lesions in their real
///   surroundings, with masks for the loss on where the classifier looks.
/// - Validation donors: donor volumes kept out of the paste and out of training; their slices
///   join the validation split, so it holds real CT with masked lesions.
///
/// Donor slices are added to splits already dealt (`DatasetSplits.adding`), so the deal of
/// every other group, the test split above all, is the same with or without them.
public struct LesionDonorPlan: Equatable, Sendable {
    /// Lesion slices of a paste donor used for pasting, at most (evenly spaced).
    public static let pasteSlicesPerVolume = 30

    /// The COVID-19-CT-Seg set (groups unprefixed, e.g. `coronacases_org_002`).
    public let set: Dataset
    /// Every donor volume (paste and validation), sorted.
    public let donorVolumes: [String]
    /// Donors whose lesions are pasted (and trained on with `trainOnDonors`).
    public let pasteVolumes: [String]
    /// Donors kept for validation.
    public let validationVolumes: [String]

    /// The volumes at odd places of the sorted list.
    public static func donorVolumes(of set: Dataset) -> [String] {
        set.groups.sorted().enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    }

    /// `validation` names donor volumes, with or without the set's prefix
    /// (`covid19-ct-seg/coronacases_org_008` or `coronacases_org_008`). A name that is not a
    /// donor is an error: the other volumes are unseen test data and must stay so.
    public init(set: Dataset, validation: [String] = []) throws {
        self.set = set
        let donors = Self.donorVolumes(of: set)
        donorVolumes = donors
        var held: [String] = []
        for raw in validation {
            let name = raw.hasPrefix(set.name + "/") ? String(raw.dropFirst(set.name.count + 1)) : raw
            guard donors.contains(name) else {
                throw DatasetError.invalidSetting("'\(raw)' is not a lesion donor volume (donors: \(donors.joined(separator: ", "))); "
                                                  + "the other volumes are unseen test data")
            }
            guard !held.contains(name) else { throw DatasetError.invalidSetting("validation donor '\(raw)' named twice") }
            held.append(name)
        }
        validationVolumes = held.sorted()
        pasteVolumes = donors.filter { !held.contains($0) }
        guard !pasteVolumes.isEmpty else { throw DatasetError.invalidSetting("every donor volume is held for validation: none left to paste") }
    }

    /// The lesion slices to paste: positives of the paste donors, at most
    /// `pasteSlicesPerVolume` per volume.
    public var pasteSamples: [Sample] {
        let keep = Set(pasteVolumes)
        return Dataset(name: set.name, samples: set.samples.filter { keep.contains($0.group) && $0.label })
            .capped(perGroup: Self.pasteSlicesPerVolume).samples
    }

    /// The paste donors' slices as training samples (groups prefixed with the set's name, as
    /// in a merged data set), at most `cap` per volume (evenly spaced; nil = all).
    public func trainingSamples(cap: Int?) -> [Sample] { samples(of: pasteVolumes, cap: cap) }

    /// The validation donors' slices (prefixed groups), at most `cap` per volume.
    public func validationSamples(cap: Int?) -> [Sample] { samples(of: validationVolumes, cap: cap) }

    /// `lesion-donors.txt`: every donor volume, prefixed, one a line (all of them were seen
    /// while training or choosing, so none of them is unseen).
    public var donorList: String { donorVolumes.map { set.name + "/" + $0 }.joined(separator: "\n") + "\n" }

    private func samples(of volumes: [String], cap: Int?) -> [Sample] {
        let keep = Set(volumes)
        let picked = Dataset(name: set.name, samples: set.samples.filter { keep.contains($0.group) })
        let capped = cap.map { picked.capped(perGroup: $0) } ?? picked
        return capped.samples.map { s in
            var renamed = s
            renamed.group = set.name + "/" + s.group
            return renamed
        }
    }
}

extension DatasetSplits {
    /// The same splits with `train` samples appended to the training split and `validation`
    /// samples to the validation split; nothing else moves. A group of the new samples that is
    /// already in any split, or in both lists, is an error (a volume must sit in one split).
    public func adding(train extraTrain: [Sample], validation extraValidation: [Sample]) throws -> DatasetSplits {
        let present = Set((train.samples + validation.samples + test.samples).map(\.group))
        let trainGroups = Set(extraTrain.map(\.group)), validationGroups = Set(extraValidation.map(\.group))
        if let g = trainGroups.union(validationGroups).intersection(present).sorted().first {
            throw DatasetError.invalidSetting("group '\(g)' is already in the splits: it cannot be added again")
        }
        if let g = trainGroups.intersection(validationGroups).sorted().first {
            throw DatasetError.invalidSetting("group '\(g)' cannot be added to training and validation at once")
        }
        var out = self
        out.train.samples += extraTrain
        out.validation.samples += extraValidation
        return out
    }
}
