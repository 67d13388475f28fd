import Foundation

/// How a 2D slice lies, for sets released turned by 90°; the loader turns such slices (and
/// their masks) upright, the orientation the pipeline sees in DICOM (anterior up, spine down).
/// As released with Inf-Net, COVID-19-CT-Seg's Coronacases volumes lie with the spine on the
/// left, its Radiopaedia volumes and the MedSeg slices with the spine on the right. Left as
/// they are, a classifier trained on upright slices meets a sideways chest, and a lesion
/// pasted from them lands where the target has no lung.
public enum SliceOrientation: String, Codable, Hashable, Sendable {
    case upright, spineLeft, spineRight

    /// COVID-19-CT-Seg's orientation from its file names (`Data-1_coronacases_org_…`,
    /// `Data-1_radiopaedia_org_…`); other names are upright.
    public static func covid19CTSeg(file path: String) -> SliceOrientation {
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
