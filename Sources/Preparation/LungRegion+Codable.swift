import Imaging
import Volumes

/// LungRegion travels between cluster roles, so it is Codable; the mask is stored as run
/// lengths (alternating runs of 0 and non-0 voxels, starting with 0) to keep it small:
/// a 512×512×255 mask takes a few thousand runs instead of 67 million bytes.
extension LungRegion: Codable {
    private enum CodingKeys: String, CodingKey { case size, maskRuns, lungSlices, roi }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(size, forKey: .size)
        try c.encode(Self.runLengths(mask), forKey: .maskRuns)
        try c.encode(lungSlices, forKey: .lungSlices)
        try c.encode(roi, forKey: .roi)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let size = try c.decode(VolumeSize.self, forKey: .size)
        let runs = try c.decode([Int].self, forKey: .maskRuns)
        guard runs.allSatisfy({ $0 >= 0 }), runs.reduce(0, +) == size.count else {
            throw DecodingError.dataCorruptedError(forKey: .maskRuns, in: c,
                debugDescription: "mask runs do not add up to \(size.count) voxels")
        }
        var mask = [UInt8](repeating: 0, count: size.count)
        var i = 0, value: UInt8 = 0
        for run in runs {
            if value != 0 { for j in i..<(i + run) { mask[j] = 1 } }
            i += run
            value ^= 1
        }
        try self.init(size: size, mask: mask,
                      lungSlices: try c.decode([Int].self, forKey: .lungSlices),
                      roi: try c.decode(PixelRect.self, forKey: .roi))
    }

    static func runLengths(_ mask: [UInt8]) -> [Int] {
        var runs: [Int] = []
        var current = false, length = 0
        for v in mask {
            if (v != 0) == current { length += 1 } else { runs.append(length); current.toggle(); length = 1 }
        }
        runs.append(length)
        return runs
    }
}
