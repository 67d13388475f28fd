/// The thresholds of focal opacity detection, recorded in every report.
///
/// Why these values: aerated lung parenchyma lies around −850 HU (−900…−800), ground-glass
/// opacity from about −750 to −300 HU (hazy, vessels still visible), consolidation and
/// solid nodules above −300 HU (Fleischner glossary; the HU bands used by lung CAD and by
/// COVID-19 CT quantification studies). A candidate voxel is ≥ `groundGlassHU`; the finding's
/// edge is then put half-way between its core and the surrounding lung (partial-volume
/// voxels count when at least half opacity), so volume and diameters do not depend on the
/// −750 choice.
public struct FocalOpacitySettings: Codable, Equatable, Sendable {
    /// Candidate voxels: lung voxels at or above this (HU).
    public var groundGlassHU: Double = -750
    /// Solid (consolidation) voxels: at or above this (HU).
    public var solidHU: Double = -300
    /// Gaussian scales (mm) of the tube filter that removes vessels and airway walls.
    public var vesselScalesMM: [Double] = [1, 2, 3]
    /// A candidate voxel is a vessel where its best-scale Frangi vesselness passes this.
    public var vesselnessThreshold: Double = 0.3
    /// Tubular voxels count as vessel only where no ball of this radius (mm) within the
    /// candidates holds them: vessels are thinner, the flanks of opacities are not.
    public var thickRadiusMM: Double = 5
    /// … nor where a ball of one of these radii (mm) fits in a compact part of the candidates,
    /// no longer than `compactMaximumExtentMM` along any axis, whose centre is a blob to the
    /// Hessian and at least `compactMinimumBlobShare` of whose voxels are (a small round
    /// opacity, with the one-voxel rim the ball misses; empty: off). Two radii: a 2 mm ball fits
    /// lesions 5–7 mm across, which a 3 mm one misses; a 3 mm ball keeps a 10 mm lesion apart
    /// from a 4–5 mm vessel beside it, which a 2 mm one joins to it (the joint part is then too
    /// long to count as compact). A radius applies only where the slice spacing is at most the
    /// radius (the ball spans 3 slices).
    public var compactRadiiMM: [Double] = [3, 2]
    public var compactMaximumExtentMM: Double = 20
    /// A vessel junction can look like a blob at its centre, but its arms do not: a round
    /// opacity's part is a blob at a third or more of its voxels (phantom lesions 0.36–0.72,
    /// the vessel junctions a 2 mm ball fits 0.23–0.29).
    public var compactMinimumBlobShare: Double = 1.0 / 3
    /// A finding is dropped when more than this share of the voxels around it is outside the
    /// lung mask (tissue of the chest wall, diaphragm or mediastinum) …
    public var maximumWallContact: Double = 0.3
    /// … or more than this share is mediastinum (outside the lungs between their medial edges:
    /// the hila, where vessels and bronchi enter dense and branching) …
    public var maximumMediastinalContact: Double = 0.05
    /// … or tubular (a blob where vessels branch).
    public var maximumVesselContact: Double = 0.3
    /// Opening radius (mm): strands thinner than twice this (vessel stubs, airway walls,
    /// noise) are removed before components are formed.
    public var openingRadiusMM: Double = 1.5
    /// Findings below this volume are dropped: a sphere 5 mm across is 65 mm³, and the
    /// smallest findings CT reports measure are about 5 mm.
    public var minimumVolumeMM3: Double = 40
    /// Findings narrower than this (mm) across their longest diameter or along the slices, or on
    /// one slice only, are dropped (0: none): the smallest size CT reports measure, and a blob on
    /// one slice is as likely a vessel cut across.
    public var minimumExtentMM: Double = 5
    /// Class by solid share: below `partSolidShare` ground glass, from `solidShare` on solid.
    public var partSolidShare: Double = 0.05
    public var solidShare: Double = 0.5

    public init() {}

    public static let standard = FocalOpacitySettings()
}
