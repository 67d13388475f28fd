import Imaging
import Preparation
import Volumes

/// Pictures for a reader: a lung-window slice with the localisation map blended over it and
/// the lung-mask contour drawn, and a montage of such slices. The combined map of the two
/// subsystems is drawn over it as outlines: red around the diffuse opacity (the fused map above
/// the Corona-score threshold, subsystem B), green around focal findings (subsystem A), green
/// on top where both are.
///
/// Colours: the map uses a jet-like ramp on its absolute value (0 blue → 0.5 green → 0.75 yellow →
/// 1 red; the Corona-score threshold 0.6 sits between green and yellow), blended with opacity
/// 0.35 + 0.35·value where the value is ≥ 0.05 (transparent below). The lung contour is magenta (a colour the heat
/// ramp never uses), drawn on both sides of the mask boundary.
public enum Overlay {
    public static let contourColour: (UInt8, UInt8, UInt8) = (255, 0, 255)
    public static let diffuseColour: (UInt8, UInt8, UInt8) = (255, 0, 0)
    public static let focalColour: (UInt8, UInt8, UInt8) = (0, 255, 0)

    /// RGB picture of slice `k` on the original grid (columns × rows), drawn on its grey
    /// `backdrop` (`SliceBackdrops`); `localization`, `mask` and `focal` (the findings' label
    /// volume, non-zero inside a finding) are whole volumes of `size`.
    public static func render(backdrop: [UInt8], size: VolumeSize, localization: [Float], mask: [UInt8], slice k: Int,
                              settings: ScreeningSettings, focal: [UInt8]? = nil) -> PNGFile.Image {
        let rows = size.rows, columns = size.columns, plane = rows * columns
        precondition(backdrop.count == plane, "backdrop of \(backdrop.count) pixels for a \(columns) × \(rows) slice")
        let base = k * size.sliceCount
        var rgb = [UInt8](repeating: 0, count: plane * 3)
        let hasMap = localization.count == size.count
        backdrop.withUnsafeBufferPointer { grey in
            localization.withUnsafeBufferPointer { map in
                rgb.withUnsafeMutableBufferPointer { out in
                    for i in 0..<plane {
                        var colour = SIMD3<Float>(repeating: Float(grey[i]))
                        let v = hasMap ? min(map[base + i], 1) : 0
                        if v >= 0.05 {
                            let a = 0.35 + 0.35 * v
                            colour = (1 - a) * colour + a * jet(v)
                        }
                        let clamped = colour.clamped(lowerBound: SIMD3(repeating: 0), upperBound: SIMD3(repeating: 255))
                        out[3 * i] = UInt8(clamped.x.rounded())
                        out[3 * i + 1] = UInt8(clamped.y.rounded())
                        out[3 * i + 2] = UInt8(clamped.z.rounded())
                    }
                }
            }
        }
        // Contours, 2 pixels wide so they show on white soft tissue and on dark lung.
        mask.withUnsafeBufferPointer { m in
            outline(&rgb, rows: rows, columns: columns, colour: contourColour) { m[base + $0] != 0 }
        }
        if hasMap {
            localization.withUnsafeBufferPointer { map in
                outline(&rgb, rows: rows, columns: columns, colour: diffuseColour) { map[base + $0] > settings.coronaThreshold }
            }
        }
        if let focal, focal.count == size.count {
            focal.withUnsafeBufferPointer { f in
                outline(&rgb, rows: rows, columns: columns, colour: focalColour) { f[base + $0] != 0 }
            }
        }
        return PNGFile.Image(width: columns, height: rows, channels: 3, pixels: rgb)
    }

    /// Paints every pixel with a 4-neighbour on the other side of the region's border (image
    /// border = outside); `inside(i)` takes the pixel's index in the slice.
    public static func outline(_ rgb: inout [UInt8], rows: Int, columns: Int, colour: (UInt8, UInt8, UInt8),
                        inside: (Int) -> Bool) {
        func at(_ r: Int, _ c: Int) -> Bool { r >= 0 && c >= 0 && r < rows && c < columns && inside(r * columns + c) }
        for r in 0..<rows {
            for c in 0..<columns {
                let here = at(r, c)
                if at(r - 1, c) != here || at(r + 1, c) != here || at(r, c - 1) != here || at(r, c + 1) != here {
                    let o = 3 * (r * columns + c)
                    rgb[o] = colour.0; rgb[o + 1] = colour.1; rgb[o + 2] = colour.2
                }
            }
        }
    }

    /// Colour (0…255 per channel) of a value in [0, 1]: 0 blue, 0.25 cyan, 0.5 green,
    /// 0.75 yellow, 1 red (a jet ramp without the dark ends, so hot spots stay bright).
    static func jet(_ v: Float) -> SIMD3<Float> {
        func ramp(_ x: Float) -> Float { min(max(x, 0), 1) * 255 }
        return SIMD3(ramp(4 * v - 2), ramp(2 - abs(4 * v - 2)), ramp(2 - 4 * v))
    }

    /// Tiles of at most `tile × tile` pixels (bilinear, aspect ratio kept, centred), `columns`
    /// per row, black gaps of 4 pixels; empty space stays black.
    public static func montage(_ images: [PNGFile.Image], tile: Int = 256, columns: Int = 4) -> PNGFile.Image {
        let gap = 4
        let cols = max(1, min(columns, images.count))
        let rowsOfTiles = max(1, (images.count + cols - 1) / cols)
        let width = cols * tile + (cols + 1) * gap, height = rowsOfTiles * tile + (rowsOfTiles + 1) * gap
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for (n, image) in images.enumerated() {
            let scale = Double(tile) / Double(max(image.width, image.height))
            let w = max(1, Int((Double(image.width) * scale).rounded()))
            let h = max(1, Int((Double(image.height) * scale).rounded()))
            let x0 = gap + (n % cols) * (tile + gap) + (tile - w) / 2
            let y0 = gap + (n / cols) * (tile + gap) + (tile - h) / 2
            for ch in 0..<3 {
                let plane = (0..<(image.width * image.height)).map { Float(image.pixels[3 * $0 + ch]) }
                let small = Bilinear.resize(plane, rows: image.height, columns: image.width, outRows: h, outColumns: w)
                for y in 0..<h {
                    for x in 0..<w {
                        out[3 * ((y0 + y) * width + x0 + x) + ch] = UInt8(min(max(small[y * w + x], 0), 255).rounded())
                    }
                }
            }
        }
        return PNGFile.Image(width: width, height: height, channels: 3, pixels: out)
    }
}
