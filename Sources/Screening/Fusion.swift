import Imaging
import Preparation
import Volumes

/// 3D fusion (method step 5): each positive slice's fused 224×224 Grad-CAM map is mapped back
/// through the resize onto the crop rectangle of the original slice grid, set to zero outside
/// the lung mask, and placed into a Float32 volume with the input's size and axis order.
///
/// Mapping back uses the same half-pixel-centre bilinear rule as the forward resize (a
/// 224 → crop-size resize): original pixel (r, c) of the crop samples the 224 map at
/// ((r − crop.row) + 0.5) · 224 / crop.rows − 0.5 (and likewise for columns), clamped to the
/// map. Outside the crop and on negative or non-lung slices the volume is 0.
public enum Fusion {
    /// The map of one slice on its crop rectangle (`crop.rows * crop.columns`, row-major),
    /// before masking.
    public static func mapOnCrop(_ map: [Float], side: Int, crop: PixelRect) throws -> [Float] {
        guard map.count == side * side else {
            throw ScreeningError.inconsistentInput("fused map has \(map.count) values, expected \(side)×\(side)")
        }
        return Bilinear.resize(map, rows: side, columns: side, outRows: crop.rows, outColumns: crop.columns)
    }

    /// The localisation volume: `region.size.count` Float32 values, zero except inside the
    /// lung mask on positive slices.
    public static func localizationVolume(results: [SliceResult], region: LungRegion) throws -> [Float] {
        let size = region.size
        var volume = [Float](repeating: 0, count: size.count)
        for result in results where result.isPositive {
            guard let map = result.fusedMap else { continue }
            let k = result.sliceIndex, crop = result.crop
            guard k >= 0, k < size.slices else {
                throw ScreeningError.inconsistentInput("result for slice \(k) outside 0..<\(size.slices)")
            }
            guard !crop.isEmpty, crop.row >= 0, crop.column >= 0,
                  crop.row + crop.rows <= size.rows, crop.column + crop.columns <= size.columns else {
                throw ScreeningError.inconsistentInput("slice \(k): crop \(crop) does not fit the volume")
            }
            let onCrop = try mapOnCrop(map, side: result.mapSide, crop: crop)
            for r in 0..<crop.rows {
                let base = (k * size.rows + crop.row + r) * size.columns + crop.column
                for c in 0..<crop.columns where region.mask[base + c] != 0 {
                    volume[base + c] = onCrop[r * crop.columns + c]
                }
            }
        }
        return volume
    }
}
