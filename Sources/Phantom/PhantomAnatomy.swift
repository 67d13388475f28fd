import Foundation
import Imaging
import Segmentation

/// The synthetic chest, defined in patient space (DICOM LPS, mm: +x patient left,
/// +y posterior, +z superior), independent of any voxel grid, so one phantom can be
/// rasterised at any spacing and slice thickness. The chest is centred on the origin.
///
/// Sizes are those of an adult: body 330 × 230 mm, lungs about 230 mm high from the apex
/// (z = +110) to the costophrenic recess (z = −95), diaphragm domes peaking at z = −60.
struct PhantomAnatomy: Sendable {
    static let airHU = -1000.0
    static let fatHU = -100.0
    static let softTissueHU = 40.0
    static let boneHU = 700.0
    static let tableHU = 150.0

    // Body ellipse (x, y semi-axes) and the inner surface of the ribcage.
    let body = SIMD2<Double>(165, 115)
    let fatThickness = 12.0
    let ribcage = SIMD2<Double>(143, 93)
    let ribThickness = 8.0
    // Lungs: ellipsoids per side, cut by the diaphragm, the mediastinum, the heart, the spine.
    let lungCentreX = 62.0, lungCentreY = 5.0, lungCentreZ = -20.0
    let lungSemiAxes = SIMD3<Double>(52, 80, 130)
    let apexZ = 110.0
    let heartCentre = SIMD3<Double>(15, -20, -40), heartSemiAxes = SIMD3<Double>(55, 45, 50)
    let mediastinumHalfWidth = 18.0
    let spineCentre = SIMD2<Double>(0, 72), spineRadius = 20.0

    /// Lung cross-section centre of a side (−1 right, +1 left).
    func lungCentre(side: Double) -> SIMD2<Double> { [side * lungCentreX, lungCentreY] }

    /// True inside a lung (vessels, airways and lesions inside it included).
    func isLung(_ p: SIMD3<Double>) -> Bool { isLung(x: p.x, y: p.y, z: p.z) }

    // Scalar arithmetic in the per-voxel functions: generic SIMD code is very slow in
    // unoptimised (debug) builds, and the tests rasterise phantoms in debug.
    func isLung(x: Double, y: Double, z: Double) -> Bool {
        guard z <= apexZ, abs(x) > mediastinumHalfWidth else { return false }
        let side: Double = x < 0 ? -1 : 1
        let cx = side * lungCentreX
        let u = (x - cx) / lungSemiAxes.x, v = (y - lungCentreY) / lungSemiAxes.y
        let rho2 = u * u + v * v
        guard z > -95 + 35 * max(0, 1 - rho2) else { return false }  // diaphragm dome
        let dz = (z - lungCentreZ) / lungSemiAxes.z
        guard rho2 <= 1 - dz * dz else { return false }
        let rx = x / ribcage.x, ry = y / ribcage.y
        guard rx * rx + ry * ry < 1 else { return false }
        let hx = (x - heartCentre.x) / heartSemiAxes.x, hy = (y - heartCentre.y) / heartSemiAxes.y
        let hz = (z - heartCentre.z) / heartSemiAxes.z
        if hx * hx + hy * hy + hz * hz <= 1 { return false }
        let sx = x - spineCentre.x, sy = y - spineCentre.y, sr = spineRadius + 6
        return sx * sx + sy * sy > sr * sr
    }

    /// HU of the tissue at a point, ignoring vessels, airways and lesions.
    func baseHU(x: Double, y: Double, z: Double) -> Double {
        if isLung(x: x, y: y, z: z) { return -850 + 0.3 * (y - lungCentreY) }  // denser posteriorly
        let bx = x / body.x, by = y / body.y
        if bx * bx + by * by > 1 {
            // Table: a slab behind the patient, with an air gap.
            return (y > 122 && y < 140 && abs(x) < 200) ? Self.tableHU : Self.airHU
        }
        if isBone(x: x, y: y, z: z) { return Self.boneHU }
        let ix = x / (body.x - fatThickness), iy = y / (body.y - fatThickness)
        return ix * ix + iy * iy > 1 ? Self.fatHU : Self.softTissueHU
    }

    /// Ribs (tilted bands behind the ribcage surface), vertebrae with their arch, sternum.
    func isBone(x: Double, y: Double, z: Double) -> Bool {
        let sx = x - spineCentre.x, sy = y - spineCentre.y
        let d2 = sx * sx + sy * sy
        let disc = (z + 300).truncatingRemainder(dividingBy: 30) < 5  // intervertebral discs
        if d2 <= spineRadius * spineRadius { return !disc }
        let c2 = x * x + (y - 100) * (y - 100)
        if c2 >= 64 && c2 <= 169 && !disc { return true }  // neural arch around the canal
        if abs(x) < 15 && y > -107 && y < -96 { return true }  // sternum
        let rx = x / ribcage.x, ry = y / ribcage.y
        let r = (rx * rx + ry * ry).squareRoot()
        guard r >= 1, r <= 1 + ribThickness / ribcage.y, y > -70 else { return false }
        // Ribs every 25 mm, rising 0.25 mm per mm towards the back, 9 mm high.
        let phase = (z - 0.25 * y + 1000).truncatingRemainder(dividingBy: 25)
        return phase < 9
    }
}

/// A straight tube with a radius tapering from `r0` to `r1`, used for vessels and airways.
struct PhantomTube: Sendable {
    var a: SIMD3<Double>, b: SIMD3<Double>
    var r0: Double, r1: Double

    /// True when the point is within the (grown) tube.
    func contains(_ p: SIMD3<Double>, grow: Double = 0) -> Bool {
        contains(x: p.x, y: p.y, z: p.z, grow: grow)
    }

    func contains(x: Double, y: Double, z: Double, grow: Double = 0) -> Bool {
        let ax = b.x - a.x, ay = b.y - a.y, az = b.z - a.z
        let px = x - a.x, py = y - a.y, pz = z - a.z
        let t = max(0, min(1, (px * ax + py * ay + pz * az) / max(ax * ax + ay * ay + az * az, 1e-12)))
        let qx = px - ax * t, qy = py - ay * t, qz = pz - az * t
        let r = r0 + (r1 - r0) * t + grow
        return qx * qx + qy * qy + qz * qz <= r * r
    }

    var lower: SIMD3<Double> { pointwiseMin(a, b) - SIMD3(repeating: max(r0, r1) + 2) }
    var upper: SIMD3<Double> { pointwiseMax(a, b) + SIMD3(repeating: max(r0, r1) + 2) }
}

extension PhantomAnatomy {
    /// Trachea, main and lobar bronchi (air lumen, 1.5 mm soft-tissue wall).
    var airways: [PhantomTube] {
        let carina = SIMD3<Double>(0, 25, 35)
        let rightHilum = SIMD3<Double>(-48, 20, 10), leftHilum = SIMD3<Double>(48, 22, 5)
        return [
            PhantomTube(a: [0, 20, 400], b: carina, r0: 9, r1: 9),
            PhantomTube(a: carina, b: rightHilum, r0: 7, r1: 6),
            PhantomTube(a: carina, b: leftHilum, r0: 6.5, r1: 5.5),
            PhantomTube(a: rightHilum, b: [-72, 0, 55], r0: 4, r1: 2.5),
            PhantomTube(a: rightHilum, b: [-75, 35, -35], r0: 4, r1: 2.5),
            PhantomTube(a: leftHilum, b: [72, 0, 50], r0: 4, r1: 2.5),
            PhantomTube(a: leftHilum, b: [75, 35, -35], r0: 4, r1: 2.5),
        ]
    }

    /// Vessels: tapering tubes from each hilum in random outward directions (seeded).
    func vessels(count: Int, rng: inout SplitMix64) -> [PhantomTube] {
        (0..<count).map { i in
            let side: Double = i % 2 == 0 ? -1 : 1
            let hilum = SIMD3<Double>(side * 45, 15, 0)
            let theta = rng.uniform(-1.2, 1.2)  // in-plane angle around the outward direction
            let phi = rng.uniform(-0.9, 0.9)  // elevation
            let dir = SIMD3(side * cos(theta) * cos(phi), sin(theta) * cos(phi), sin(phi))
            let length = rng.uniform(40, 90)
            let r0 = rng.uniform(2.5, 4.5)
            return PhantomTube(a: hilum, b: hilum + dir * length, r0: r0, r1: 1.2)
        }
    }
}
