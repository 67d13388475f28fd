/// How well a segmentation agrees with a reference: the Dice coefficient and the symmetric
/// surface distances (mm), summarised by their 95th percentile (HD95) and mean, as lung
/// segmentation is usually reported (e.g. Hofmanninger et al. 2020).
public struct MaskAgreement: Equatable, Sendable {
    public var dice: Double
    /// 95th percentile of the distances from each surface voxel of either mask to the other
    /// mask's surface (mm); infinity when one mask is empty and the other is not.
    public var hd95: Double
    public var meanSurfaceDistance: Double

    /// Compares `mask` with `reference` (same grid); surface = voxels of the mask with a
    /// 6-neighbour outside it (in-grid), distances exact Euclidean with the grid's spacing.
    public init(_ mask: BinaryMask, reference: BinaryMask) {
        precondition(mask.size == reference.size, "masks on different grids")
        dice = mask.dice(reference)
        let a = Self.surface(mask), b = Self.surface(reference)
        if a.count == 0 && b.count == 0 {
            hd95 = 0; meanSurfaceDistance = 0
            return
        }
        if a.count == 0 || b.count == 0 {
            hd95 = .infinity; meanSurfaceDistance = .infinity
            return
        }
        let toB = DistanceTransform.squaredDistances(b, toInside: true, planar: false)
        let toA = DistanceTransform.squaredDistances(a, toInside: true, planar: false)
        var distances: [Double] = []
        for i in 0..<a.voxels.count where a.voxels[i] != 0 { distances.append(Double(toB[i]).squareRoot()) }
        for i in 0..<b.voxels.count where b.voxels[i] != 0 { distances.append(Double(toA[i]).squareRoot()) }
        distances.sort()
        // Nearest-rank percentile: the smallest distance with at least 95 % of all at or below it.
        hd95 = distances[max(0, Int((0.95 * Double(distances.count)).rounded(.up)) - 1)]
        meanSurfaceDistance = distances.reduce(0, +) / Double(distances.count)
    }

    /// The mask's boundary voxels (a 6-neighbour inside the grid is outside the mask).
    static func surface(_ m: BinaryMask) -> BinaryMask {
        var out = BinaryMask(size: m.size, spacing: m.spacing)
        let s = m.size
        for k in 0..<s.slices {
            for r in 0..<s.rows {
                for c in 0..<s.columns where m[k, r, c] != 0 {
                    let outside = (c > 0 && m[k, r, c - 1] == 0) || (c + 1 < s.columns && m[k, r, c + 1] == 0)
                        || (r > 0 && m[k, r - 1, c] == 0) || (r + 1 < s.rows && m[k, r + 1, c] == 0)
                        || (k > 0 && m[k - 1, r, c] == 0) || (k + 1 < s.slices && m[k + 1, r, c] == 0)
                    if outside { out[k, r, c] = 1 }
                }
            }
        }
        return out
    }
}
