import Foundation
import Segmentation
import Volumes

/// Subsystem A: focal opacities in 3D inside the lung mask (CPU only).
///
///  1. Candidates: lung voxels ≥ −750 HU (ground glass and denser).
///  2. Vessels and airway walls out: candidates that the multi-scale tube filter calls
///     tubular (`TubeFilter`) where the candidates are thin (no 5 mm ball fits) and not a small
///     round opacity (`compactBlobs`), then an opening of 1.5 mm that removes thin strands left
///     over.
///  3. Connected 3D components (face neighbours) of at least the minimum volume.
///  4. Each component's edge is put half-way between its core (median HU) and the lung
///     around it (median of the aerated voxels 2–5 mm outside): the finding is the voxels
///     within 2 mm of the component, in the lung, not tubular, at or above that level.
///     Volume, diameters, HU and class are measured on those voxels.
///  5. Dropped: findings whose outside neighbours are mostly not lung (chest wall, diaphragm
///     or mediastinum that the lung mask's closing took in), partly mediastinum (more than 5 %:
///     the hila, between the two lungs' medial edges) or mostly vessel voxels (where vessels
///     branch); findings less than 5 mm across in any direction (the perpendicular diameter,
///     the extent along the slices) or on one slice only. `FocalAnalysis.suppressed` counts
///     what steps 2 and 5 removed.
public enum FocalOpacityDetector {
    public static func detect(volume: Volume, lungMask: [UInt8],
                              settings: FocalOpacitySettings = .standard) -> FocalAnalysis {
        let size = volume.size, spacing = volume.geometry.spacing
        guard lungMask.count == size.count,
              let grid = GridBox(boundingNonZeroOf: BinaryMask(size: size, spacing: spacing, voxels: lungMask)) else {
            return FocalAnalysis(settings: settings, findings: [], voxelRuns: [], suppressed: .init())
        }
        let box = Box(grid.grown(by: 2, within: size))
        // The lung's bounding box as Float HU, with its lung mask and candidates; the lungs'
        // extent along x gives the midline that tells left from right.
        var hu = [Float](repeating: 0, count: box.count)
        var lung = [UInt8](repeating: 0, count: box.count)
        var candidates: [Int] = []
        var lowX = Double.infinity, highX = -Double.infinity
        for k in 0..<box.slices {
            for r in 0..<box.rows {
                for c in 0..<box.columns {
                    let b = box.index(c, r, k), i = box.volumeIndex(b, size: size)
                    let v = Float(volume.voxels[i])
                    hu[b] = v
                    if lungMask[i] != 0 {
                        lung[b] = 1
                        if Double(v) >= settings.groundGlassHU { candidates.append(b) }
                        let x = volume.geometry.position(column: Double(c + box.c0), row: Double(r + box.r0),
                                                         slice: Double(k + box.k0)).x
                        lowX = min(lowX, x); highX = max(highX, x)
                    }
                }
            }
        }
        let filter = TubeFilter(values: hu, columns: box.columns, rows: box.rows, slices: box.slices, spacing: spacing)
        let (vesselness, blobness) = filter.responses(at: candidates, scales: settings.vesselScalesMM)
        // Tubular and thin: the flanks of a thick opacity can look tubular at one scale (the rim
        // of a flattened one is a curved tube), so only voxels outside every ball of
        // `thickRadiusMM` within the candidates count as vessel.
        let boxSize = VolumeSize(columns: box.columns, rows: box.rows, slices: box.slices)
        var candidateMask = BinaryMask(size: boxSize, spacing: spacing)
        for b in candidates { candidateMask.voxels[b] = 1 }
        let thick = Morphology.open(candidateMask, radius: settings.thickRadiusMM)
        // `candidates` is in increasing order: a voxel's responses are found by bisection (an
        // opening stays inside the candidates; were a voxel not one, it would count as a tube).
        let compact = compactBlobs(candidateMask, settings: settings) { b in
            var (lo, hi) = (0, candidates.count)
            while lo < hi { let mid = (lo + hi) / 2; if candidates[mid] < b { lo = mid + 1 } else { hi = mid } }
            return lo < candidates.count && candidates[lo] == b ? (vesselness[lo], blobness[lo]) : (1, 0)
        }
        var tubular = [UInt8](repeating: 0, count: box.count)
        var kept = [UInt8](repeating: 0, count: box.count)
        var suppressed = FocalAnalysis.Suppressed()
        for (n, b) in candidates.enumerated() {
            if Double(vesselness[n]) > settings.vesselnessThreshold, vesselness[n] > blobness[n], thick.voxels[b] == 0,
               compact.voxels[b] == 0 {
                tubular[b] = 1
                suppressed.tubularVoxels += 1
            } else {
                kept[b] = 1
            }
        }
        let opened = Morphology.open(BinaryMask(size: boxSize, spacing: spacing, voxels: kept),
                                     radius: settings.openingRadiusMM)
        let components = ConnectedComponents.label(opened, connectivity: .face)
        let voxelVolume = volume.geometry.voxelVolume

        let minimumVoxels = max(1, Int((settings.minimumVolumeMM3 / voxelVolume).rounded(.up)))
        // Voxel lists per component, in one pass.
        var members = [[Int]](repeating: [], count: components.count)
        for (b, label) in components.labels.enumerated() where label > 0 && components.sizes[Int(label) - 1] >= minimumVoxels {
            members[Int(label) - 1].append(b)
        }
        var context = Context(hu: hu, lung: lung, tubular: tubular, box: box, size: size, geometry: volume.geometry,
                              midlineX: (lowX + highX) / 2, settings: settings)
        context.findMedialEdges()
        var claimed = Set<Int>()
        var measured: [(finding: FocalFinding, voxels: [Int])] = []
        for voxels in members where !voxels.isEmpty {
            let refined = context.refine(voxels).filter { !claimed.contains($0) }
            guard Double(refined.count) * voxelVolume >= settings.minimumVolumeMM3 else { continue }
            // Not surrounded by lung: chest wall, diaphragm or mediastinum pulled into the lung
            // mask by its closing; against the mediastinum even in part: the hila, where vessels
            // and bronchi enter the lung dense and branching. Surrounded by vessels: where vessels
            // branch (a blob, not a tube).
            let touch = context.surroundings(refined)
            if touch.outsideLung > settings.maximumWallContact { suppressed.wallContacts += 1; continue }
            if touch.mediastinal > settings.maximumMediastinalContact { suppressed.mediastinalContacts += 1; continue }
            if touch.tubular > settings.maximumVesselContact { suppressed.vesselJunctions += 1; continue }
            // At least 5 mm across in every direction (across the longest axial diameter, along the
            // slices) and on two slices at least: a blob on one slice cannot be told from a vessel
            // cut across. Along the slices a run of n slices holds up to (n + 1) spacings (its end
            // slices partly filled): 3 slices of 1.5 mm can hold a lesion 5–6 mm tall.
            let finding = context.measure(refined)
            let slices = Set(refined.map { box.coordinates($0).k }).count
            if finding.perpendicularDiameterMM < settings.minimumExtentMM || Double(slices + 1) * spacing.z < settings.minimumExtentMM
                || (slices < 2 && settings.minimumExtentMM > 0) {
                suppressed.tooThin += 1
                continue
            }
            claimed.formUnion(refined)
            measured.append((finding, refined))
        }
        measured.sort { ($0.finding.volumeCM3, -$0.voxels[0]) > ($1.finding.volumeCM3, -$1.voxels[0]) }
        var findings: [FocalFinding] = [], runs: [[Int]] = []
        for (n, entry) in measured.enumerated() {
            var finding = entry.finding
            finding.id = n + 1
            findings.append(finding)
            runs.append(FocalAnalysis.runs(of: entry.voxels.map { box.volumeIndex($0, size: size) }.sorted()))
        }
        return FocalAnalysis(settings: settings, findings: findings, voxelRuns: runs, suppressed: suppressed)
    }

    /// Small round opacities, which the tube filter would otherwise eat from the rim inwards
    /// (a 9 mm ball holds no 5 mm ball): the parts of the candidates that a ball of one of
    /// `compactRadiiMM` fits (a vessel too thin for it vanishes), kept where such a part is
    /// compact (no longer than `compactMaximumExtentMM` along any axis: what survives of a
    /// thick vessel is mostly long, and a star where several meet larger still), its centre
    /// is a blob, not a tube, to the Hessian (a short piece of a thick vessel is a tube along
    /// its axis) and so is a share of its voxels (a junction's arms are tubes); with the
    /// one-voxel rim of the candidates around the kept parts.
    /// `response(b)` gives vesselness and blobness at candidate voxel `b`.
    static func compactBlobs(_ candidates: BinaryMask, settings: FocalOpacitySettings,
                             response: (Int) -> (vesselness: Float, blobness: Float)) -> BinaryMask {
        var union = BinaryMask(size: candidates.size, spacing: candidates.spacing)
        // On slices thicker than the radius the ball is a disk on one slice, which cannot tell a
        // round opacity from a vessel crossing the slice: a radius is used where its ball spans
        // three slices at least.
        for radius in settings.compactRadiiMM where radius > 0 && candidates.spacing.z <= radius {
            let kept = compactBlobs(candidates, radius: radius, settings: settings, response: response)
            for i in kept.voxels.indices where kept.voxels[i] != 0 { union.voxels[i] = 1 }
        }
        // The balls miss the opacity's partial-volume rim, one voxel wide, which the tube filter
        // then calls vessel (a sphere's flank is a curved tube at a fine scale): that rim of the
        // candidates is kept with its part.
        let s = candidates.spacing
        let rim = Morphology.dilate(union, radius: max(s.x, s.y, s.z))
        for i in rim.voxels.indices where rim.voxels[i] != 0 && candidates.voxels[i] != 0 { union.voxels[i] = 1 }
        return union
    }

    /// `compactBlobs` for one ball radius.
    private static func compactBlobs(_ candidates: BinaryMask, radius: Double, settings: FocalOpacitySettings,
                                     response: (Int) -> (vesselness: Float, blobness: Float)) -> BinaryMask {
        let cores = Morphology.open(candidates, radius: radius)
        let parts = ConnectedComponents.label(cores, connectivity: .face)
        let size = cores.size, spacing = cores.spacing
        var low = [SIMD3<Int>](repeating: SIMD3(repeating: .max), count: parts.count)
        var high = [SIMD3<Int>](repeating: SIMD3(repeating: .min), count: parts.count)
        var sum = [SIMD3<Double>](repeating: .zero, count: parts.count)
        func point(_ i: Int) -> SIMD3<Int> { SIMD3(i % size.columns, (i / size.columns) % size.rows, i / size.sliceCount) }
        for (i, label) in parts.labels.enumerated() where label > 0 {
            let n = Int(label) - 1, p = point(i)
            low[n] = pointwiseMin(low[n], p); high[n] = pointwiseMax(high[n], p)
            sum[n] += SIMD3<Double>(p)
        }
        // The centre: the part's voxel nearest its centroid (in the part even when it is bent);
        // and how many of the part's voxels are blobs rather than tubes.
        var centre = [(distance: Double, index: Int)](repeating: (.infinity, -1), count: parts.count)
        var blobVoxels = [Int](repeating: 0, count: parts.count)
        for (i, label) in parts.labels.enumerated() where label > 0 {
            let n = Int(label) - 1
            let d = (SIMD3<Double>(point(i)) - sum[n] / Double(parts.sizes[n])) * spacing
            let distance = (d * d).sum()
            if distance < centre[n].distance { centre[n] = (distance, i) }
            let r = response(i)
            if r.blobness >= r.vesselness { blobVoxels[n] += 1 }
        }
        let keep = Set((0..<parts.count).filter { n in
            let extent = SIMD3<Double>(high[n] &- low[n] &+ 1) * spacing
            guard extent.max() <= settings.compactMaximumExtentMM,
                  Double(blobVoxels[n]) >= settings.compactMinimumBlobShare * Double(parts.sizes[n]) else { return false }
            let r = response(centre[n].index)
            return r.blobness >= r.vesselness
        }.map { Int32($0 + 1) })
        return parts.mask(of: keep, spacing: spacing)
    }
}

/// A box of the volume (Segmentation's `GridBox`) with the index conversions between the box's
/// own arrays and the volume's.
struct Box {
    var c0, r0, k0, columns, rows, slices: Int
    var count: Int { columns * rows * slices }

    func index(_ c: Int, _ r: Int, _ k: Int) -> Int { (k * rows + r) * columns + c }
    func coordinates(_ b: Int) -> (c: Int, r: Int, k: Int) { (b % columns, (b / columns) % rows, b / (columns * rows)) }
    func volumeIndex(_ b: Int, size: VolumeSize) -> Int {
        let (c, r, k) = coordinates(b)
        return ((k + k0) * size.rows + r + r0) * size.columns + c + c0
    }

    init(c0: Int, r0: Int, k0: Int, columns: Int, rows: Int, slices: Int) {
        self.c0 = c0; self.r0 = r0; self.k0 = k0; self.columns = columns; self.rows = rows; self.slices = slices
    }

    init(_ g: GridBox) {
        self.init(c0: g.columns.lowerBound, r0: g.rows.lowerBound, k0: g.slices.lowerBound,
                  columns: g.columns.count, rows: g.rows.count, slices: g.slices.count)
    }
}
