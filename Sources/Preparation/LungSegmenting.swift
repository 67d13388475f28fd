import Volumes

/// Lung segmentation as the analyzer needs it (method step 2). The CLI adapts the
/// Segmentation module's lung mask to this; tests use a fixed mask.
public protocol LungSegmenting {
    func segment(_ volume: Volume) throws -> LungRegion
}

/// A segmenter that returns a given region (tests, or a mask computed elsewhere).
public struct FixedLungSegmenter: LungSegmenting {
    public var region: LungRegion
    public init(region: LungRegion) { self.region = region }
    public func segment(_ volume: Volume) throws -> LungRegion {
        guard volume.size == region.size else {
            throw ScreeningError.inconsistentInput("fixed lung mask is \(region.size), volume \(volume.size)")
        }
        return region
    }
}
