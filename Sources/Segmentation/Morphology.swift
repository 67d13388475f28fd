/// Binary morphology with a Euclidean ball (3D) or disk (per slice, `planar`) whose radius
/// is given in millimetres; the grid's spacing turns it into voxels, so the structuring
/// element is anisotropic in voxels and round in patient space. The element is every voxel
/// offset whose length in mm is ≤ radius (a radius below the spacing leaves the mask as is).
///
/// Implemented by thresholding exact distance transforms (see `DistanceTransform`), so the
/// cost does not grow with the radius.
///
/// Border convention: the world outside the grid is ignored — it neither grows a dilation
/// nor eats into an erosion. Closing is therefore extensive (closing ⊇ mask) and opening
/// anti-extensive, also for objects that touch the border.
public enum Morphology {
    /// Voxels within `radius` mm of the mask.
    public static func dilate(_ mask: BinaryMask, radius: Double, planar: Bool = false) -> BinaryMask {
        guard radius > 0 else { return normalized(mask) }
        let d = DistanceTransform.squaredDistances(mask, toInside: true, planar: planar)
        let r2 = limit(radius)
        return BinaryMask(size: mask.size, spacing: mask.spacing, voxels: d.map { $0 <= r2 ? 1 : 0 })
    }

    /// Voxels whose ball of `radius` mm lies inside the mask.
    public static func erode(_ mask: BinaryMask, radius: Double, planar: Bool = false) -> BinaryMask {
        guard radius > 0 else { return normalized(mask) }
        let d = DistanceTransform.squaredDistances(mask, toInside: false, planar: planar)
        let r2 = limit(radius)
        return BinaryMask(size: mask.size, spacing: mask.spacing, voxels: d.map { $0 > r2 ? 1 : 0 })
    }

    /// Dilation then erosion: fills gaps and concavities narrower than the ball.
    public static func close(_ mask: BinaryMask, radius: Double, planar: Bool = false) -> BinaryMask {
        erode(dilate(mask, radius: radius, planar: planar), radius: radius, planar: planar)
    }

    /// Erosion then dilation: removes parts thinner than the ball.
    public static func open(_ mask: BinaryMask, radius: Double, planar: Bool = false) -> BinaryMask {
        dilate(erode(mask, radius: radius, planar: planar), radius: radius, planar: planar)
    }

    /// r² with a small tolerance so offsets exactly on the sphere count despite Float rounding.
    private static func limit(_ radius: Double) -> Float { Float(radius * radius * (1 + 1e-5)) }

    private static func normalized(_ mask: BinaryMask) -> BinaryMask {
        BinaryMask(size: mask.size, spacing: mask.spacing, voxels: mask.voxels.map { $0 != 0 ? 1 : 0 })
    }
}
