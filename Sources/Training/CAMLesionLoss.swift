import Foundation

/// "Right for the right reasons" (Ross et al. 2017) on the class activation map: a penalty on
/// the positive evidence a slice with a known lesion mask draws from outside the lesion.
///
/// The network is global average pooling + one logit, so logit = mean_p CAM(p) + b with
/// CAM(p) = Σ_k w_k A_k(p) over layer4's maps A (7×7 for a 224² input) and the fc weights w;
/// Grad-CAM of that logit is relu(CAM) up to a positive factor. CAM is a plain function of A
/// and w, so the penalty needs no second-order backward pass.
///
/// The form, per slice with a mask (r = relu(CAM), "outside" = cells holding no lesion pixel):
///
///     L = Σ_outside r / (Σ_all r + ε)
///
/// - A share, not a sum of squares: a penalty on the raw CAM outside the lesion can be met by
///   shrinking CAM everywhere, which fights the BCE term of the same positive slice; the share
///   is unchanged by scaling CAM, so the only way down is moving evidence into the lesion.
///   It lies in [0, 1], comparable to BCE, so λ = 1 weighs both alike.
/// - relu: cells voting for "negative" are not attention; penalising them would ask the model
///   to make healthy lung look less healthy.
/// - Cells with any lesion pixel count as inside: a 7×7 cell is 32² input pixels and layer4's
///   receptive field is far larger, so the map cannot place evidence inside part of a cell;
///   penalising a cell the lesion only touches would push against the lesion itself.
/// - ε = 1 (logit units): a positive slice's cells sum to tens of logit units (49 cells, logit
///   ≈ mean), so ε hardly changes the share there, while it bounds the gradient (1/(P+ε)) on a
///   slice whose positive mass P is still near zero, where the share would be noise.
///
/// ∂L/∂r_p = (outside_p − L) / (P + ε); ∂L/∂CAM_p = that where CAM_p > 0, else 0.
public enum CAMLesionLoss {
    public static let epsilon: Double = 1

    /// For an h×w grid laid over a side×side mask (cell (i, j) covers rows [i·side/h,
    /// (i+1)·side/h) and the same for columns), true where the cell holds no mask pixel.
    public static func outsideCells(_ mask: [Bool], side: Int, rows h: Int, columns w: Int) -> [Bool] {
        lesionFractions(mask, side: side, rows: h, columns: w).map { $0 == 0 }
    }

    /// The share of positive CAM mass outside the lesion and its gradient with respect to
    /// every cell of `cam` (same layout as `outside`).
    public static func lossAndGradient(cam: [Float], outside: [Bool]) -> (loss: Double, gradient: [Float]) {
        precondition(cam.count == outside.count && !cam.isEmpty, "cam and outside cells")
        var total = 0.0, out = 0.0
        for (v, o) in zip(cam, outside) where v > 0 {
            total += Double(v)
            if o { out += Double(v) }
        }
        let denominator = total + epsilon
        let loss = out / denominator
        let gradient = zip(cam, outside).map { v, o in v > 0 ? Float(((o ? 1 : 0) - loss) / denominator) : 0 }
        return (loss, gradient)
    }

    /// For the same grid as `outsideCells`, the share of each cell's pixels that hold lesion.
    public static func lesionFractions(_ mask: [Bool], side: Int, rows h: Int, columns w: Int) -> [Float] {
        precondition(mask.count == side * side && h > 0 && w > 0, "mask size")
        var hits = [Int](repeating: 0, count: h * w), sizes = [Int](repeating: 0, count: h * w)
        for r in 0..<side {
            let i = r * h / side
            for c in 0..<side {
                let cell = i * w + c * w / side
                sizes[cell] += 1
                if mask[r * side + c] { hits[cell] += 1 }
            }
        }
        return zip(hits, sizes).map { $1 > 0 ? Float($0) / Float($1) : 0 }
    }

    /// How far the lesion's cells fall short of the map's peak, weighted by how much lesion
    /// each cell holds (f = `lesionFractions`), and its gradient with respect to every cell:
    ///
    ///     L = Σ_p f_p (1 − s_p) / Σ_p f_p,   s_p = max(CAM_p / (M + ε), −1),   M = max(0, max_q CAM_q)
    ///
    /// 0 when every lesion cell stands at the peak; in [0, 2]. The share outside the lesion
    /// cannot see a map that peaks on one lesion cell and leaves the rest of the lesion cold;
    /// the Corona score counts only pixels near the peak, so this asks for the rest.
    /// - Scale-free, like the share (it reads CAM / M), so it does not fight the BCE term.
    /// - CAM, not relu(CAM): a lesion cell voting "negative" should be pulled up, and the
    ///   floor at −1 bounds the loss and stops the pull on cells far below zero.
    /// - The peak M moves too (∂L/∂M = Σ f_p CAM_p / (Σf · (M + ε)²) over unfloored cells):
    ///   lowering a lone peak flattens the map as well as raising the lesion.
    public static func coverageLossAndGradient(cam: [Float], fractions: [Float]) -> (loss: Double, gradient: [Float]) {
        precondition(cam.count == fractions.count && !cam.isEmpty, "cam and fractions")
        var gradient = [Float](repeating: 0, count: cam.count)
        let total = fractions.reduce(0.0) { $0 + Double($1) }
        guard total > 0 else { return (0, gradient) }
        var peak = 0.0, peakCell: Int?
        for (p, v) in cam.enumerated() where Double(v) > peak { (peak, peakCell) = (Double(v), p) }
        let d = peak + epsilon
        var loss = 0.0, dPeak = 0.0
        for (p, (v, f)) in zip(cam, fractions).enumerated() where f > 0 {
            let s = Double(v) / d
            loss += Double(f) * (1 - max(s, -1))
            guard s > -1 else { continue }
            gradient[p] += Float(-Double(f) / (total * d))
            dPeak += Double(f) * Double(v) / (total * d * d)
        }
        if let m = peakCell { gradient[m] += Float(dPeak) }
        return (loss / total, gradient)
    }
}
