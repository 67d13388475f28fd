/// Otsu's method: the gray level that best splits values into two classes.
public enum Otsu {
    /// Otsu's threshold (maximal between-class variance) of values in [0, 1], 256 bins; the
    /// returned level separates bins below it from those at or above.
    public static func threshold(_ values: [Float]) -> Float {
        var histogram = [Double](repeating: 0, count: 256)
        for v in values { histogram[min(255, max(0, Int(v * 255 + 0.5)))] += 1 }
        let total = Double(values.count)
        let weightedTotal = histogram.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
        var below = 0.0, weightedBelow = 0.0, best = -1.0, level = 128
        for t in 1..<256 {
            below += histogram[t - 1]
            weightedBelow += Double(t - 1) * histogram[t - 1]
            let above = total - below
            guard below > 0, above > 0 else { continue }
            let meanBelow = weightedBelow / below, meanAbove = (weightedTotal - weightedBelow) / above
            let between = below * above * (meanBelow - meanAbove) * (meanBelow - meanAbove)
            if between > best { best = between; level = t }
        }
        return (Float(level) - 0.5) / 255
    }
}
