import Foundation
import Imaging
import Segmentation
import Volumes

/// What to rasterise: grid, seed and findings. The slice spacing equals the slice
/// thickness (contiguous slices); the grid is centred on the chest.
public struct PhantomSettings: Equatable, Codable, Sendable {
    public var columns = 512
    public var rows = 512
    public var slices = 160
    /// In-plane pixel spacing (mm).
    public var pixelSpacing = 0.7
    /// Slice thickness = slice spacing (mm).
    public var sliceThickness = 1.5
    public var seed: UInt64 = 1
    /// Standard deviation of the Gaussian noise added to every voxel (HU).
    public var noiseSigma = 15.0
    public var vesselCount = 24
    public var groundGlassCount = 0
    public var consolidationCount = 0
    /// Placement keeps room for every lesion grown up to this factor (each fits inside a lung
    /// at that size, and those against the pleura touch it at that size), so follow-up
    /// phantoms can grow it. 1 (the default) places lesions as before this option existed.
    public var lesionRoom = 1.0
    /// Size factors applied to the placed lesions' semi-axes (centres fixed): one per lesion
    /// in placement order, the last repeated; empty = 1. A follow-up scan of the same patient
    /// is the same seed and `lesionRoom` with other factors (each at most `lesionRoom`).
    public var lesionGrowth: [Double] = []
    /// DICOM StudyDate (YYYYMMDD) of the series: follow-up scans of one phantom patient
    /// (patient id PHANTOM-<seed>) differ by it.
    public var studyDate = "20200101"

    public init() {}

    /// The factor of lesion `n` (placement order).
    public func growth(of n: Int) -> Double { lesionGrowth.isEmpty ? 1 : lesionGrowth[min(n, lesionGrowth.count - 1)] }

    /// A small, fast phantom for tests: 128 × 128 × 40, 2.5 mm pixels, 5 mm slices.
    public static func small(seed: UInt64 = 1, groundGlass: Int = 0, consolidation: Int = 0) -> PhantomSettings {
        var s = PhantomSettings()
        s.columns = 128; s.rows = 128; s.slices = 40
        s.pixelSpacing = 2.5; s.sliceThickness = 5
        s.seed = seed; s.groundGlassCount = groundGlass; s.consolidationCount = consolidation
        return s
    }

    /// The grid geometry: axial slices, slice 0 most inferior, centred on the origin.
    public var geometry: Geometry {
        Geometry(spacing: [pixelSpacing, pixelSpacing, sliceThickness],
                 origin: [-Double(columns - 1) / 2 * pixelSpacing, -Double(rows - 1) / 2 * pixelSpacing,
                          -Double(slices - 1) / 2 * sliceThickness])
    }
}

public enum LesionKind: String, Codable, Sendable {
    /// −700…−300 HU; label 1 in the lesion mask.
    case groundGlass = "ground-glass"
    /// −100…+50 HU; label 2 in the lesion mask.
    case consolidation

    public var label: UInt8 { self == .groundGlass ? 1 : 2 }
}

/// An axis-aligned ellipsoid lesion, in patient space (mm), wholly inside a lung.
public struct PhantomLesion: Equatable, Codable, Sendable {
    public var kind: LesionKind
    public var centre: SIMD3<Double>
    public var semiAxes: SIMD3<Double>
    public var hu: Double
    /// Placed against the pleura (within about 1 mm of the lung surface).
    public var touchesPleura: Bool

    /// Exact volume 4/3·π·a·b·c in cm³.
    public var volumeCM3: Double { 4 / 3 * Double.pi * semiAxes.x * semiAxes.y * semiAxes.z / 1000 }
    /// The longest axial diameter (mm): the axes are axis-aligned, so the axial section
    /// through the centre is an ellipse with semi-axes x and y.
    public var longestDiameterMM: Double { 2 * max(semiAxes.x, semiAxes.y) }
    /// The longest diameter perpendicular to it on that section (mm).
    public var perpendicularDiameterMM: Double { 2 * min(semiAxes.x, semiAxes.y) }

    public func contains(_ p: SIMD3<Double>) -> Bool {
        let q = (p - centre) / semiAxes
        return (q * q).sum() <= 1
    }
}

/// A rasterised phantom: the CT volume and its ground truth on the same grid.
public struct Phantom: Sendable {
    public var settings: PhantomSettings
    public var volume: Volume
    /// Ground-truth lungs (1), lesions included.
    public var lungMask: BinaryMask
    /// Lesions: 0 none, 1 ground glass, 2 consolidation (a voxel belongs to a lesion when
    /// at least half of it lies inside the ellipsoid, from 4×4×4 sub-samples).
    public var lesionMask: BinaryMask
    public var lesions: [PhantomLesion]

    /// Lesion volume measured on the grid (cm³): lesion voxels × voxel volume.
    public var rasterisedLesionVolumeCM3: Double { lesionMask.volumeMM3 / 1000 }
    /// Sum of the exact lesion volumes (cm³).
    public var analyticLesionVolumeCM3: Double { lesions.reduce(0) { $0 + $1.volumeCM3 } }
}

/// Builds phantoms. Deterministic: the same settings give the same voxels.
public enum PhantomGenerator {
    public static func make(_ settings: PhantomSettings) -> Phantom {
        let anatomy = PhantomAnatomy()
        var rng = SplitMix64(seed: settings.seed)
        let vessels = anatomy.vessels(count: settings.vesselCount, rng: &rng)
        let lesions = PhantomLesionPlacer.place(groundGlass: settings.groundGlassCount,
                                                consolidation: settings.consolidationCount,
                                                room: settings.lesionRoom, anatomy: anatomy, rng: &rng)
        let grown = lesions.enumerated().map { n, lesion -> PhantomLesion in
            var l = lesion
            l.semiAxes *= settings.growth(of: n)
            return l
        }
        return make(settings, lesions: grown, vessels: vessels, anatomy: anatomy)
    }

    /// Rasterises given lesions (for resampling the same findings on other grids).
    public static func make(_ settings: PhantomSettings, lesions: [PhantomLesion]) -> Phantom {
        let anatomy = PhantomAnatomy()
        var rng = SplitMix64(seed: settings.seed)
        let vessels = anatomy.vessels(count: settings.vesselCount, rng: &rng)
        return make(settings, lesions: lesions, vessels: vessels, anatomy: anatomy)
    }

    private static func make(_ settings: PhantomSettings, lesions: [PhantomLesion],
                             vessels: [PhantomTube], anatomy: PhantomAnatomy) -> Phantom {
        let geometry = settings.geometry
        let size = VolumeSize(columns: settings.columns, rows: settings.rows, slices: settings.slices)
        let raster = PhantomRaster(size: size, geometry: geometry, anatomy: anatomy,
                                   vessels: vessels, lesions: lesions)
        let (hu, lung, lesion) = raster.render(noiseSigma: settings.noiseSigma, seed: settings.seed)
        let metadata = StudyMetadata(
            patientID: "PHANTOM-\(settings.seed)", studyDate: settings.studyDate, modality: "CT",
            manufacturer: "CTScreen phantom", convolutionKernel: "SYNTHETIC",
            seriesDescription: "Synthetic chest phantom (not a patient)")
        return Phantom(settings: settings,
                       volume: Volume(size: size, geometry: geometry, metadata: metadata, voxels: hu),
                       lungMask: BinaryMask(size: size, spacing: geometry.spacing, voxels: lung),
                       lesionMask: BinaryMask(size: size, spacing: geometry.spacing, voxels: lesion),
                       lesions: lesions)
    }
}
