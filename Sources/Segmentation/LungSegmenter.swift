import Foundation
import Volumes

/// Settings of the classical lung segmentation; every default is documented here.
public struct LungSegmentationSettings: Equatable, Codable, Sendable {
    /// Voxels above this HU are body (soft tissue, bone, table); the body is the largest
    /// such region per slice with its holes filled.
    public var bodyThreshold: Double = -500
    /// Voxels below this HU inside the body are air (lungs, airways, gas).
    public var airThreshold: Double = -320
    /// The second-largest air component is kept as the other lung only when it has at least
    /// this fraction of the largest one's volume; otherwise the lungs are taken to be
    /// connected and only the largest is kept (a stomach bubble is far smaller).
    public var secondLungMinimumFraction: Double = 0.1
    /// Remove the trachea and main bronchi (tracked from the superior end, see `Airways`).
    public var removeAirways = true
    /// A trachea or main bronchus cross-section is at most this large (mm²).
    public var maximumAirwayArea: Double = 700
    /// Radius (mm) of the per-slice closing of each lung. 20 mm fills pleural bites up to
    /// about 4 cm wide (peripheral consolidation) and vessel channels, while the heart's
    /// and diaphragm's broad curvature (radius ≳ 5 cm) is left alone.
    public var closingRadius: Double = 20
    /// A slice is a lung slice when its lung area is at least this (mm²): 100 mm² = 1 cm²,
    /// about the cross-section of a main bronchus, so apex and base tips do not count.
    public var minimumLungSliceArea: Double = 100
    /// Segmentation fails below this lung volume (litres).
    public var minimumLungVolume: Double = 0.05

    public init() {}
}

/// Errors of the Segmentation module: the study and the reason.
public struct SegmentationError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public var study: String
    public var reason: String
    public init(study: String, reason: String) {
        self.study = study
        self.reason = reason
    }
    public var description: String { "lung segmentation of \(study): \(reason)" }
    public var errorDescription: String? { description }
}

/// Classical 3D lung segmentation (design brief, method step 2).
///
/// Input: a `Volume` in HU (any spacing; slices sorted along the normal). Output: a
/// `LungMask` on the same grid. Steps, each with its reason:
/// 1. Body = per slice, largest region above `bodyThreshold` (drops the table and the
///    outside air), holes filled (so the lungs are inside it).
/// 2. Air = below `airThreshold` inside the body: air outside the patient and air connected
///    to it never enters.
/// 3. 3D components (6-connectivity); keep the largest and, when big enough, the second.
/// 4. Trachea and main bronchi removed (`Airways`), then components again.
/// 5. Each lung closed per slice with a disk of `closingRadius` mm, then 3D holes filled:
///    dense opacities inside a lung and consolidation biting into it from the pleura
///    become lung again; closing lungs separately never bridges the mediastinum. (A per-lung
///    convex hull also fills pleural bites but swallows the heart on the medial side.)
/// 6. Restricted to the body.
public struct LungSegmenter: Sendable {
    public var settings: LungSegmentationSettings

    public init(settings: LungSegmentationSettings = LungSegmentationSettings()) {
        self.settings = settings
    }

    /// Segments the lungs of `volume`. `onStep`, when given, receives each step's name
    /// ("body", "air", "airways", "close", "fill") and its wall-clock seconds.
    public func segment(_ volume: Volume, onStep: ((String, Double) -> Void)? = nil) throws -> LungMask {
        let study = Self.name(of: volume)
        let sp = volume.geometry.spacing
        guard sp.x > 0, sp.y > 0, sp.z > 0, volume.size.count > 0 else {
            throw SegmentationError(study: study, reason: "empty grid or non-positive spacing \(sp)")
        }
        var clock = Date()
        func step(_ name: String) {
            let now = Date()
            onStep?(name, now.timeIntervalSince(clock))
            clock = now
        }
        let body = Self.body(volume, threshold: settings.bodyThreshold)
        step("body")
        let airLimit = Int16(clamping: Int(settings.airThreshold.rounded()))
        var air = BinaryMask(size: volume.size, spacing: sp)
        for i in 0..<volume.voxels.count where volume.voxels[i] < airLimit && body.voxels[i] != 0 {
            air.voxels[i] = 1
        }
        var (lungs, parts) = keepLungs(air)
        step("air")
        if settings.removeAirways {
            let airways = Airways.track(lungs, body: body, volume: volume,
                                        maximumArea: settings.maximumAirwayArea)
            (lungs, parts) = keepLungs(lungs.subtracting(airways))
            step("airways")
        }
        var closed = BinaryMask(size: volume.size, spacing: sp)
        for part in parts.count >= 2 ? parts : Self.splitAtMidline(lungs, body: body) {
            closed = closed.union(Self.closePerSlice(part, radius: settings.closingRadius))
        }
        step("close")
        let filled = HoleFilling.fill3D(closed).intersection(body)
        let result = LungMask(mask: filled, minimumSliceArea: settings.minimumLungSliceArea)
        step("fill")
        guard result.volumeLitres >= settings.minimumLungVolume else {
            throw SegmentationError(study: study, reason: String(
                format: "no lungs found (air inside the body: %.3f L, need %.3f L)",
                result.volumeLitres, settings.minimumLungVolume))
        }
        return result
    }

    /// Largest component, plus the second when it is a plausible other lung; also each
    /// kept component on its own (the parts the closing treats separately). Labels only
    /// the bounding box of the air: a third of a full study's grid or less.
    private func keepLungs(_ air: BinaryMask) -> (lungs: BinaryMask, components: [BinaryMask]) {
        guard let box = GridBox(boundingNonZeroOf: air) else { return (air, []) }
        let comps = ConnectedComponents.label(air.cropped(to: box), connectivity: .face)
        let order = comps.labelsBySize
        guard let first = order.first else { return (air, []) }
        func full(_ label: Int32) -> BinaryMask {
            var out = BinaryMask(size: air.size, spacing: air.spacing)
            out.paste(comps.mask(of: [label], spacing: air.spacing), at: box)
            return out
        }
        guard order.count > 1, Double(comps.sizes[Int(order[1]) - 1])
            >= settings.secondLungMinimumFraction * Double(comps.sizes[Int(first) - 1]) else {
            let only = full(first)
            return (only, [only])
        }
        let a = full(first), b = full(order[1])
        return (a.union(b), [a, b])
    }

    static func name(of volume: Volume) -> String {
        let m = volume.metadata
        let parts = [m.patientID, m.seriesInstanceUID].filter { !$0.isEmpty }
        return parts.isEmpty ? "unnamed study" : parts.joined(separator: " / ")
    }
}
