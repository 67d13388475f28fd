import Foundation
import Volumes

/// Writes localisation and mask volumes through the Volumes NIfTI writer (libnifti), with
/// the study's grid, so they carry the input series' affine.
public struct NIfTIVolumeWriter: VolumeFileWriting {
    public init() {}

    public func writeFloat32(_ values: [Float], size: VolumeSize, geometry: Geometry, to url: URL) throws {
        try NIfTI.write(voxels: values, size: size, geometry: geometry, to: url,
                        description: "CTScreen Grad-CAM localisation; not for clinical use")
    }

    public func writeUInt8(_ values: [UInt8], size: VolumeSize, geometry: Geometry, to url: URL) throws {
        try NIfTI.write(voxels: values, size: size, geometry: geometry, to: url,
                        description: "CTScreen lung mask; not for clinical use")
    }
}
