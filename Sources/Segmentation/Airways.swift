import Volumes

/// Trachea and main-bronchus finder, slice by slice from the superior end of the lungs.
///
/// Why 2D tracking: at −320 HU the airways join the two lungs into one 3D component, but in
/// each axial slice the trachea and main bronchi are small separate regions until they
/// enter the lungs at the hila, where their region merges with a large lung region. Seeds
/// are the small regions near the body midline in the most superior slice with air (the
/// lung apices lie lateral); each next slice takes the small regions overlapping the
/// previous airway pixels, and a branch stops when its overlapping region is large.
enum Airways {
    static func track(_ lungs: BinaryMask, body: BinaryMask, volume: Volume,
                      maximumArea: Double) -> BinaryMask {
        let s = lungs.size, plane = s.sliceCount
        let pixelArea = lungs.spacing.x * lungs.spacing.y
        let maxPixels = Int(maximumArea / pixelArea)
        // LPS: +z is superior; slices ascend along the slice direction.
        let superiorLast = volume.geometry.sliceDirection.z >= 0
        let order = superiorLast ? Array((0..<s.slices).reversed()) : Array(0..<s.slices)
        var airways = BinaryMask(size: s, spacing: lungs.spacing)
        var previous: [Int]? = nil  // airway pixel indices (within the plane) of the last slice
        for k in order {
            let slice = lungs.slice(k)
            if previous == nil && slice.voxels.allSatisfy({ $0 == 0 }) { continue }
            let comps = ConnectedComponents.label(slice, connectivity: .full)
            var chosen: [Int32] = []
            if let prev = previous {
                var overlapping = Set<Int32>()
                for i in prev where comps.labels[i] != 0 { overlapping.insert(comps.labels[i]) }
                chosen = overlapping.filter { comps.sizes[Int($0) - 1] <= maxPixels }.sorted()
            } else {
                chosen = seeds(comps, body: body.slice(k), maxPixels: maxPixels)
            }
            if chosen.isEmpty { break }
            // A table by label, not a Set: this test runs for every pixel of ~100 slices.
            var keep = [Bool](repeating: false, count: comps.count + 1)
            for label in chosen { keep[Int(label)] = true }
            var pixels: [Int] = []
            for i in 0..<plane where keep[Int(comps.labels[i])] {
                pixels.append(i)
                airways.voxels[k * plane + i] = 1
            }
            previous = pixels
        }
        return airways
    }

    /// Small regions whose centroid lies within 10 % of the body width of the midline.
    private static func seeds(_ comps: Components, body: BinaryMask, maxPixels: Int) -> [Int32] {
        let cols = body.size.columns
        var bodyMin = Int.max, bodyMax = -1, bodySum = 0, bodyN = 0
        for i in 0..<body.voxels.count where body.voxels[i] != 0 {
            let c = i % cols
            bodyMin = min(bodyMin, c); bodyMax = max(bodyMax, c); bodySum += c; bodyN += 1
        }
        guard bodyN > 0 else { return [] }
        let mid = Double(bodySum) / Double(bodyN), width = Double(bodyMax - bodyMin + 1)
        var sum = [Int](repeating: 0, count: comps.count)
        for i in 0..<comps.labels.count where comps.labels[i] != 0 { sum[Int(comps.labels[i]) - 1] += i % cols }
        return (0..<comps.count).filter { j in
            let centre = Double(sum[j]) / Double(comps.sizes[j])
            return comps.sizes[j] <= maxPixels && abs(centre - mid) <= 0.1 * width
        }.map { Int32($0 + 1) }
    }
}
