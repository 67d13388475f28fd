import Foundation
import Imaging
import Segmentation

/// The paper's augmentation: rotation, horizontal flip and crop, drawn from a seeded
/// generator. Applied to the [0, 1] image before the resize to the network input, in the
/// order rotate → crop → flip.
public struct Augmentation: Codable, Equatable, Sendable {
    /// Rotation angle uniform in ±`maxRotationDegrees` (anticlockwise as displayed).
    public var maxRotationDegrees: Double
    /// Probability of a left–right flip.
    public var flipProbability: Double
    /// The crop keeps a fraction uniform in [`minCropFraction`, 1] of each side (the same
    /// fraction for both, so the aspect ratio stays), at a uniform position.
    public var minCropFraction: Double

    public init(maxRotationDegrees: Double = 10, flipProbability: Double = 0.5, minCropFraction: Double = 0.85) {
        self.maxRotationDegrees = maxRotationDegrees
        self.flipProbability = flipProbability
        self.minCropFraction = minCropFraction
    }

    /// No change at all (validation and test).
    public static let none = Augmentation(maxRotationDegrees: 0, flipProbability: 0, minCropFraction: 1)

    public func validate() throws {
        guard maxRotationDegrees >= 0, maxRotationDegrees <= 180 else {
            throw DatasetError.invalidSetting("rotation range ±\(maxRotationDegrees)° is outside 0…180")
        }
        guard flipProbability >= 0, flipProbability <= 1 else {
            throw DatasetError.invalidSetting("flip probability \(flipProbability) is outside [0, 1]")
        }
        guard minCropFraction > 0, minCropFraction <= 1 else {
            throw DatasetError.invalidSetting("crop fraction \(minCropFraction) is outside (0, 1]")
        }
    }

    /// One draw of the random parameters, so a draw can be logged, replayed and tested.
    public struct Draw: Equatable, Sendable {
        public var rotationDegrees: Double
        public var flip: Bool
        /// The crop on the (rotated) image grid.
        public var cropRow: Int, cropColumn: Int, cropRows: Int, cropColumns: Int

        public init(rotationDegrees: Double, flip: Bool, cropRow: Int, cropColumn: Int, cropRows: Int, cropColumns: Int) {
            self.rotationDegrees = rotationDegrees
            self.flip = flip
            self.cropRow = cropRow
            self.cropColumn = cropColumn
            self.cropRows = cropRows
            self.cropColumns = cropColumns
        }
    }

    public func draw(width: Int, height: Int, using rng: inout SplitMix64) -> Draw {
        let angle = maxRotationDegrees > 0 ? rng.uniform(-maxRotationDegrees, maxRotationDegrees) : 0
        let flip = flipProbability > 0 && rng.unit() < flipProbability
        let fraction = minCropFraction < 1 ? rng.uniform(minCropFraction, 1) : 1
        let rows = max(1, Int((Double(height) * fraction).rounded()))
        let columns = max(1, Int((Double(width) * fraction).rounded()))
        let row = Int(rng.unit() * Double(height - rows + 1))
        let column = Int(rng.unit() * Double(width - columns + 1))
        return Draw(rotationDegrees: angle, flip: flip, cropRow: min(row, height - rows),
                    cropColumn: min(column, width - columns), cropRows: rows, cropColumns: columns)
    }

    public static func apply(_ d: Draw, to image: GrayImage) -> GrayImage {
        var out = d.rotationDegrees == 0 ? image : rotate(image, degrees: d.rotationDegrees)
        if d.cropRows != image.height || d.cropColumns != image.width || d.cropRow != 0 || d.cropColumn != 0 {
            out = crop(out, row: d.cropRow, column: d.cropColumn, rows: d.cropRows, columns: d.cropColumns)
        }
        return d.flip ? flipHorizontal(out) : out
    }

    /// Mirror left–right: pixel (r, c) moves to (r, width − 1 − c).
    public static func flipHorizontal(_ image: GrayImage) -> GrayImage {
        var out = image
        for r in 0..<image.height {
            for c in 0..<image.width { out[r, image.width - 1 - c] = image[r, c] }
        }
        return out
    }

    /// The sub-image of `rows × columns` at (`row`, `column`), clamped to the image.
    public static func crop(_ image: GrayImage, row: Int, column: Int, rows: Int, columns: Int) -> GrayImage {
        let r0 = min(max(row, 0), image.height - 1), c0 = min(max(column, 0), image.width - 1)
        let h = max(1, min(rows, image.height - r0)), w = max(1, min(columns, image.width - c0))
        var pixels = [Float](repeating: 0, count: w * h)
        for r in 0..<h { for c in 0..<w { pixels[r * w + c] = image[r0 + r, c0 + c] } }
        return GrayImage(width: w, height: h, pixels: pixels)
    }

    /// Rotation about the image centre, anticlockwise as displayed (rows run downwards),
    /// bilinear sampling; what comes from outside the image is 0 (air in the lung window).
    /// Output (x′, y′) relative to the centre samples the input at
    ///   x = x′ cos θ − y′ sin θ,  y = x′ sin θ + y′ cos θ.
    public static func rotate(_ image: GrayImage, degrees: Double) -> GrayImage {
        let theta = degrees * Double.pi / 180
        let cosT = cos(theta), sinT = sin(theta)
        let cx = Double(image.width - 1) / 2, cy = Double(image.height - 1) / 2
        var out = GrayImage(width: image.width, height: image.height,
                            pixels: [Float](repeating: 0, count: image.pixels.count))
        for r in 0..<image.height {
            for c in 0..<image.width {
                let xo = Double(c) - cx, yo = Double(r) - cy
                let x = xo * cosT - yo * sinT + cx, y = xo * sinT + yo * cosT + cy
                out[r, c] = sample(image, x: x, y: y)
            }
        }
        return out
    }

    /// Bilinear value at (x, y); 0 outside, with a 1e-9 tolerance so exact right-angle
    /// rotations land on pixels despite rounding in cos/sin.
    private static func sample(_ image: GrayImage, x: Double, y: Double) -> Float {
        let eps = 1e-9
        guard x > -eps, y > -eps, x < Double(image.width - 1) + eps, y < Double(image.height - 1) + eps else { return 0 }
        let xc = min(max(x, 0), Double(image.width - 1)), yc = min(max(y, 0), Double(image.height - 1))
        let x0 = Int(xc.rounded(.down)), y0 = Int(yc.rounded(.down))
        let x1 = min(x0 + 1, image.width - 1), y1 = min(y0 + 1, image.height - 1)
        let fx = Float(xc - Double(x0)), fy = Float(yc - Double(y0))
        let top = image[y0, x0] * (1 - fx) + image[y0, x1] * fx
        let bottom = image[y1, x0] * (1 - fx) + image[y1, x1] * fx
        return top * (1 - fy) + bottom * fy
    }
}
