import Foundation
import Imaging
import Segmentation

/// Places lesions inside the lungs: every ellipsoid lies wholly inside a lung (checked on
/// points of its surface), so its analytic volume is the true one; the first of each kind
/// and every second after it touch the pleura (within about 1 mm of the lung surface,
/// laterally or posteriorly, where COVID-19 opacities usually sit); lesions never overlap.
/// With `room` r > 1 every check is made on the lesion grown by r (semi-axes × r, centre
/// fixed), so the lesion can later be grown up to r and still hold all of that.
enum PhantomLesionPlacer {
    static func place(groundGlass: Int, consolidation: Int, room: Double = 1, anatomy: PhantomAnatomy,
                      rng: inout SplitMix64) -> [PhantomLesion] {
        var placed: [PhantomLesion] = []
        let plan = (0..<groundGlass).map { (LesionKind.groundGlass, $0 % 2 == 0) }
            + (0..<consolidation).map { (LesionKind.consolidation, $0 % 2 == 0) }
        for (kind, touching) in plan {
            for _ in 0..<500 {
                if let lesion = attempt(kind, touching: touching, room: room, anatomy: anatomy, rng: &rng),
                   !placed.contains(where: { overlaps($0, lesion) }) {
                    placed.append(lesion)
                    break
                }
            }
        }
        return placed.map { var l = $0; l.semiAxes /= room; return l }
    }

    /// A lesion at its largest size (semi-axes × room), or nil where it does not fit.
    private static func attempt(_ kind: LesionKind, touching: Bool, room: Double, anatomy: PhantomAnatomy,
                                rng: inout SplitMix64) -> PhantomLesion? {
        let side: Double = rng.unit() < 0.5 ? -1 : 1
        let axes = SIMD3(rng.uniform(9, 16), rng.uniform(9, 16), rng.uniform(7, 13)) * room
        let z = rng.uniform(-30, 60)
        let hu = kind == .groundGlass ? rng.uniform(-650, -350) : rng.uniform(-80, 30)
        let theta = rng.uniform(-1.0, 1.4)  // 0 = lateral, positive = posterior
        let fraction = rng.uniform(0.15, 0.5)
        let c2 = anatomy.lungCentre(side: side)
        let c0 = SIMD3(c2.x, c2.y, z)
        guard anatomy.isLung(c0) else { return nil }
        let d = SIMD3(side * cos(theta), sin(theta), 0)
        var boundary = 0.0
        while anatomy.isLung(c0 + d * (boundary + 0.5)) && boundary < 300 { boundary += 0.5 }
        var lesion = PhantomLesion(kind: kind, centre: c0, semiAxes: axes, hu: hu, touchesPleura: touching)
        if touching {
            let reach = 1 / (((d.x / axes.x) * (d.x / axes.x) + (d.y / axes.y) * (d.y / axes.y)).squareRoot())
            var t = boundary - reach
            lesion.centre = c0 + d * t
            while !fits(lesion, inflatedBy: 0, anatomy) && t > 0 {
                t -= 0.25
                lesion.centre = c0 + d * t
            }
            guard t > 0, !fits(lesion, inflatedBy: 1.5, anatomy) else { return nil }
        } else {
            lesion.centre = c0 + d * (boundary * fraction)
            guard fits(lesion, inflatedBy: 4, anatomy) else { return nil }
        }
        return lesion
    }

    /// True when the ellipsoid grown by `margin` mm has its whole surface inside a lung.
    static func fits(_ lesion: PhantomLesion, inflatedBy margin: Double, _ anatomy: PhantomAnatomy) -> Bool {
        let axes = lesion.semiAxes + SIMD3(repeating: margin)
        for i in 0...12 {
            let polar = Double.pi * Double(i) / 12
            for j in 0..<24 {
                let azimuth = 2 * Double.pi * Double(j) / 24
                let u = SIMD3(sin(polar) * cos(azimuth), sin(polar) * sin(azimuth), cos(polar))
                if !anatomy.isLung(lesion.centre + u * axes) { return false }
                if i == 0 || i == 12 { break }
            }
        }
        return true
    }

    private static func overlaps(_ a: PhantomLesion, _ b: PhantomLesion) -> Bool {
        let d = a.centre - b.centre
        let reach = a.semiAxes.max() + b.semiAxes.max() + 2
        return (d * d).sum() < reach * reach
    }
}
