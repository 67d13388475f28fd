import Foundation

/// Puts 2D slices of a set released turned by 90° back into the orientation the pipeline sees
/// in DICOM (anterior up, spine down). COVID-19-CT-Seg as released with Inf-Net has every
/// slice turned: the Coronacases volumes (files `Data-1_coronacases_org_…`) with the spine on
/// the left, the Radiopaedia ones (`Data-1_radiopaedia_org_…`) with it on the right. Left
/// as they are, a classifier trained on upright slices meets a sideways chest, and a lesion
/// pasted from them lands where the target has no lung. Images and their masks turn alike.
public enum SliceOrientation: Sendable {
    case upright, spineLeft, spineRight

    /// The orientation of a file, from the set's naming; other files are upright.
    public static func of(path: String) -> SliceOrientation {
        let name = URL(fileURLWithPath: path).lastPathComponent
        if name.hasPrefix("Data-1_coronacases_org_") { return .spineLeft }
        if name.hasPrefix("Data-1_radiopaedia_org_") { return .spineRight }
        return .upright
    }

    /// The image turned so that the spine is at the bottom.
    public func upright(_ image: GrayImage) -> GrayImage {
        let w = image.width, h = image.height
        switch self {
        case .upright:
            return image
        case .spineLeft:  // a quarter turn anticlockwise: the left column becomes the bottom row
            var out = [Float](repeating: 0, count: w * h)
            for r in 0..<w { for c in 0..<h { out[r * h + c] = image.pixels[c * w + (w - 1 - r)] } }
            return GrayImage(width: h, height: w, pixels: out)
        case .spineRight:  // a quarter turn clockwise: the right column becomes the bottom row
            var out = [Float](repeating: 0, count: w * h)
            for r in 0..<w { for c in 0..<h { out[r * h + c] = image.pixels[(h - 1 - c) * w + r] } }
            return GrayImage(width: h, height: w, pixels: out)
        }
    }
}
