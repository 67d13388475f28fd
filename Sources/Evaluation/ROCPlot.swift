/// Draws ROC curves: axes with ticks at 0, 0.2, …, 1, a light grid, the chance diagonal
/// (dashed), each curve in its own colour, and a legend with each curve's name and AUC.
public enum ROCPlot {
    public struct Curve: Sendable {
        /// Shown in the legend, e.g. "SLICES AUC 0.91 (0.87-0.95)".
        public var label: String
        /// [false positive rate, true positive rate] pairs in curve order.
        public var points: [[Double]]

        public init(label: String, points: [[Double]]) {
            self.label = label
            self.points = points
        }
    }

    /// Colours of successive curves: blue, red, green, orange.
    public static let palette: [RasterImage.Color] = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14)]

    /// The plot square's placement inside a `side`×`side` picture (left, top, size in pixels).
    public static func frame(side: Int) -> (left: Int, top: Int, size: Int) {
        let left = 80, top = 20
        return (left, top, side - left - 20)
    }

    public static func render(_ curves: [Curve], side: Int = 560) -> RasterImage {
        var img = RasterImage(width: side, height: side)
        let (left, top, size) = frame(side: side)
        let black: RasterImage.Color = (0, 0, 0), grid: RasterImage.Color = (225, 225, 225)
        func px(_ fpr: Double, _ tpr: Double) -> (Double, Double) {
            (Double(left) + fpr * Double(size), Double(top) + (1 - tpr) * Double(size))
        }
        for k in 0...5 {
            let v = Double(k) / 5
            img.line(from: px(v, 0), to: px(v, 1), grid)
            img.line(from: px(0, v), to: px(1, v), grid)
            let label = k == 0 ? "0" : k == 5 ? "1" : "0.\(2 * k)"
            let (x, y) = px(v, 0)
            img.line(from: (x, y), to: (x, y + 6), black)
            img.text(label, x: Int(x) - RasterImage.textWidth(label) / 2, y: Int(y) + 10, black)
            let (x2, y2) = px(0, v)
            img.line(from: (x2 - 6, y2), to: (x2, y2), black)
            img.text(label, x: Int(x2) - 10 - RasterImage.textWidth(label), y: Int(y2) - 7, black)
        }
        img.line(from: px(0, 0), to: px(1, 1), thickness: 1.5, dash: 6, (150, 150, 150))
        img.line(from: px(0, 0), to: px(1, 0), thickness: 1.5, black)
        img.line(from: px(0, 0), to: px(0, 1), thickness: 1.5, black)
        let xLabel = "FALSE POSITIVE RATE (1 - SPECIFICITY)"
        img.text(xLabel, x: left + size / 2 - RasterImage.textWidth(xLabel) / 2, y: top + size + 34, black)
        let yLabel = "TRUE POSITIVE RATE"
        img.text(yLabel, x: 8, y: top + size / 2 + RasterImage.textWidth(yLabel) / 2, vertical: true, black)

        for (n, curve) in curves.enumerated() {
            let colour = palette[n % palette.count]
            for (a, b) in zip(curve.points, curve.points.dropFirst()) where a.count == 2 && b.count == 2 {
                img.line(from: px(a[0], a[1]), to: px(b[0], b[1]), thickness: 2.5, colour)
            }
        }
        // Legend in the lower right of the plot, where an informative curve leaves room.
        let lineHeight = 22
        let width = (curves.map { RasterImage.textWidth($0.label) }.max() ?? 0) + 44
        let x0 = left + size - width - 8, y0 = top + size - 8 - lineHeight * curves.count - 8
        if !curves.isEmpty {
            img.fill(x: x0, y: y0, width: width, height: lineHeight * curves.count + 8, (255, 255, 255))
            img.line(from: (Double(x0), Double(y0)), to: (Double(x0 + width), Double(y0)), (120, 120, 120))
            img.line(from: (Double(x0), Double(y0 + lineHeight * curves.count + 8)),
                     to: (Double(x0 + width), Double(y0 + lineHeight * curves.count + 8)), (120, 120, 120))
            img.line(from: (Double(x0), Double(y0)), to: (Double(x0), Double(y0 + lineHeight * curves.count + 8)), (120, 120, 120))
            img.line(from: (Double(x0 + width), Double(y0)), to: (Double(x0 + width), Double(y0 + lineHeight * curves.count + 8)), (120, 120, 120))
        }
        for (n, curve) in curves.enumerated() {
            let y = y0 + 8 + n * lineHeight
            img.fill(x: x0 + 8, y: y + 4, width: 24, height: 5, palette[n % palette.count])
            img.text(curve.label, x: x0 + 38, y: y, black)
        }
        return img
    }
}
