import Foundation
import Imaging

/// Dense opacities painted into a slice's lungs, the lung mask left as it was: what the
/// classical threshold method loses (consolidation reads as soft tissue) and a lung model
/// must keep. Each blob is an ellipse anchored on a pleural point of the lung (a lung pixel
/// next to a non-lung one), clipped to the lung, filled with consolidation (−50…+50 HU) or
/// dense ground glass (−450…−250 HU) plus noise, its edge softened over two pixels.
public enum ConsolidationPainting {
    /// Paints `blobs` opacities into `hu` (rows × columns) where `lung` is set; spacing in mm.
    /// Returns the pixels the opacities cover (blend weight ≥ ½), in increasing order: what a
    /// lung mask must keep to count the opacity as lung.
    @discardableResult
    public static func paint(_ hu: inout [Int16], lung: [UInt8], rows: Int, columns: Int, spacing: Double, blobs: Int,
                             rng: inout SplitMix64) -> [Int] {
        var pleura: [Int] = []
        for r in 1..<(rows - 1) {
            for c in 1..<(columns - 1) where lung[r * columns + c] != 0 {
                let i = r * columns + c
                if lung[i - 1] == 0 || lung[i + 1] == 0 || lung[i - columns] == 0 || lung[i + columns] == 0 { pleura.append(i) }
            }
        }
        guard !pleura.isEmpty else { return [] }
        var covered = Set<Int>()
        for _ in 0..<blobs {
            let anchor = pleura[Int(rng.next() % UInt64(pleura.count))]
            let (ar, ac) = (Double(anchor / columns), Double(anchor % columns))
            let a = rng.uniform(8, 35) / spacing, b = rng.uniform(5, 20) / spacing, angle = rng.uniform(0, Double.pi)
            let dense = rng.unit() < 0.6
            let level = dense ? rng.uniform(-50, 50) : rng.uniform(-450, -250)
            let (ca, sa) = (cos(angle), sin(angle))
            let reach = Int(a.rounded(.up)) + 2
            for r in max(0, Int(ar) - reach)...min(rows - 1, Int(ar) + reach) {
                for c in max(0, Int(ac) - reach)...min(columns - 1, Int(ac) + reach) where lung[r * columns + c] != 0 {
                    let dy = Double(r) - ar, dx = Double(c) - ac
                    let u = (dx * ca + dy * sa) / a, v = (-dx * sa + dy * ca) / b
                    let d = (u * u + v * v).squareRoot()
                    guard d < 1 + 2 / b else { continue }
                    let weight = min(1, max(0, (1 + 2 / b - d) / (2 / b)))  // soft edge
                    let value = level + rng.gaussian() * 25
                    let i = r * columns + c
                    hu[i] = Int16((Double(hu[i]) * (1 - weight) + value * weight).rounded())
                    if weight >= 0.5 { covered.insert(i) }
                }
            }
        }
        return covered.sorted()
    }
}
