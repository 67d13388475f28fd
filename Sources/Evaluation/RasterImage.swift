/// An 8-bit RGB picture in memory (row-major, interleaved), drawn by `ROCPlot`; writing it to
/// a file is the caller's (the CLI uses Screening's libpng writer).
public struct RasterImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var rgb: [UInt8]

    public typealias Color = (r: UInt8, g: UInt8, b: UInt8)

    public init(width: Int, height: Int, background: Color = (255, 255, 255)) {
        precondition(width > 0 && height > 0, "image sides must be positive")
        self.width = width
        self.height = height
        rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            rgb[3 * i] = background.r; rgb[3 * i + 1] = background.g; rgb[3 * i + 2] = background.b
        }
    }

    public func pixel(x: Int, y: Int) -> Color {
        let i = 3 * (y * width + x)
        return (rgb[i], rgb[i + 1], rgb[i + 2])
    }

    /// Sets one pixel; outside the picture it does nothing.
    public mutating func set(x: Int, y: Int, _ c: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 3 * (y * width + x)
        rgb[i] = c.r; rgb[i + 1] = c.g; rgb[i + 2] = c.b
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: Color) {
        for yy in y..<(y + h) { for xx in x..<(x + w) { set(x: xx, y: yy, c) } }
    }

    /// A line of the given thickness: discs stamped every ¼ pixel along the segment.
    /// `dash` > 0 draws dashes and gaps of that many pixels.
    public mutating func line(from a: (Double, Double), to b: (Double, Double), thickness: Double = 1,
                              dash: Double = 0, _ c: Color) {
        let dx = b.0 - a.0, dy = b.1 - a.1
        let length = (dx * dx + dy * dy).squareRoot()
        let steps = max(1, Int(length * 4))
        let r = thickness / 2
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            if dash > 0, Int(t * length / dash) % 2 == 1 { continue }
            let x = a.0 + t * dx, y = a.1 + t * dy
            if r <= 0.5 {
                set(x: Int(x.rounded()), y: Int(y.rounded()), c)
                continue
            }
            for yy in Int((y - r).rounded(.down))...Int((y + r).rounded(.up)) {
                for xx in Int((x - r).rounded(.down))...Int((x + r).rounded(.up)) {
                    let ex = Double(xx) - x, ey = Double(yy) - y
                    if ex * ex + ey * ey <= r * r { set(x: xx, y: yy, c) }
                }
            }
        }
    }

    /// Text in the built-in 5×7 font, each font pixel `scale`×`scale`, top-left at (x, y).
    /// `vertical` writes bottom-to-top (rotated 90° anticlockwise), for a y-axis label.
    public mutating func text(_ s: String, x: Int, y: Int, scale: Int = 2, vertical: Bool = false, _ c: Color) {
        for (n, ch) in s.uppercased().enumerated() {
            let rows = BitmapFont.glyph(ch)
            for (gy, bits) in rows.enumerated() {
                for gx in 0..<5 where bits & (1 << (4 - gx)) != 0 {
                    // Horizontal: glyph (gx, gy) → (x + advance + gx, y + gy).
                    // Vertical: rotated so the glyph's top faces left and text runs upward.
                    let (px, py) = vertical
                        ? (x + gy * scale, y - n * BitmapFont.advance * scale - gx * scale)
                        : (x + n * BitmapFont.advance * scale + gx * scale, y + gy * scale)
                    fill(x: px, y: vertical ? py - scale + 1 : py, width: scale, height: scale, c)
                }
            }
        }
    }

    /// Width in pixels of `s` written by `text` at `scale`.
    public static func textWidth(_ s: String, scale: Int = 2) -> Int {
        max(0, s.count * BitmapFont.advance * scale - scale)
    }
}
