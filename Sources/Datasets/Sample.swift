import Foundation

/// Where a training sample's pixels come from.
public enum SampleSource: Codable, Hashable, Sendable {
    /// A 2D image file (8-bit, already lung-windowed).
    case image(path: String)
    /// A 2D image with an infection mask; the label is "mask not empty".
    case maskedImage(image: String, mask: String)
    /// One slice of a DICOM series folder or NIfTI file, windowed like the pipeline.
    case volumeSlice(volume: String, slice: Int)
}

/// One labelled sample and the group (patient or volume) it belongs to; splits keep each
/// group whole.
public struct Sample: Codable, Hashable, Sendable {
    public var source: SampleSource
    /// true = abnormal (COVID-19 / infection present).
    public var label: Bool
    /// Patient or volume identity; samples sharing it never go to different splits.
    public var group: String
    /// How a 2D image lies (some sets were released turned by 90°); the loader turns it upright.
    public var orientation: SliceOrientation

    public init(source: SampleSource, label: Bool, group: String, orientation: SliceOrientation = .upright) {
        self.source = source
        self.label = label
        self.group = group
        self.orientation = orientation
    }

    /// True for a 2D image with an infection mask.
    public var hasMask: Bool {
        if case .maskedImage = source { return true }
        return false
    }

    private enum CodingKeys: String, CodingKey { case source, label, group, orientation }

    /// splits.json files written before samples had an orientation read as upright.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(SampleSource.self, forKey: .source)
        label = try c.decode(Bool.self, forKey: .label)
        group = try c.decode(String.self, forKey: .group)
        orientation = try c.decodeIfPresent(SliceOrientation.self, forKey: .orientation) ?? .upright
    }
}

/// A named list of samples.
public struct Dataset: Codable, Equatable, Sendable {
    public var name: String
    public var samples: [Sample]

    public init(name: String, samples: [Sample]) {
        self.name = name
        self.samples = samples
    }

    public var positiveCount: Int { samples.filter(\.label).count }
    public var groups: Set<String> { Set(samples.map(\.group)) }

    /// The union of data sets (groups are prefixed by the set name so names cannot clash).
    public static func merged(_ sets: [Dataset], name: String) -> Dataset {
        Dataset(name: name, samples: sets.flatMap { set in
            set.samples.map { s -> Sample in
                var renamed = s
                renamed.group = "\(set.name)/\(s.group)"
                return renamed
            }
        })
    }

    /// Every `k`-th sample per label, for short debug runs; `limit` caps each label.
    public func subsample(every k: Int = 1, limitPerLabel limit: Int = .max) -> Dataset {
        var out: [Sample] = []
        for label in [true, false] {
            let same = samples.filter { $0.label == label }
            out += stride(from: 0, to: same.count, by: max(k, 1)).prefix(limit).map { same[$0] }
        }
        return Dataset(name: name, samples: out)
    }

    /// At most `cap` samples of each group, evenly spaced over the group's samples in the
    /// set's order (so a long volume gives slices from its whole length); order is kept.
    /// Stops the groups with hundreds of slices from outweighing the rest.
    public func capped(perGroup cap: Int) -> Dataset {
        let keep = cappedIndices(perGroup: cap)
        return Dataset(name: name, samples: samples.indices.filter(keep.contains).map { samples[$0] })
    }

    /// The samples `capped(perGroup: cap)` leaves out, order kept: slices of a set that an
    /// evaluation capped at `cap` never sees (e.g. for validation beside that evaluation).
    public func leftOut(byCap cap: Int) -> Dataset {
        let keep = cappedIndices(perGroup: cap)
        return Dataset(name: name, samples: samples.indices.filter { !keep.contains($0) }.map { samples[$0] })
    }

    private func cappedIndices(perGroup cap: Int) -> Set<Int> {
        var members: [String: [Int]] = [:]
        for (i, s) in samples.enumerated() { members[s.group, default: []].append(i) }
        var keep = Set<Int>()
        for list in members.values {
            if list.count <= cap {
                keep.formUnion(list)
            } else {
                for k in 0..<max(cap, 0) { keep.insert(list[k * list.count / cap]) }
            }
        }
        return keep
    }
}
