internal import CNIfTI
import Foundation

/// Voxel types a NIfTI file can be written with: Int16 HU volumes, Float32 maps, UInt8 masks.
public protocol NIfTIScalar {
    static var niftiDatatype: Int32 { get }
}
extension Int16: NIfTIScalar { public static var niftiDatatype: Int32 { Int32(DT_INT16) } }
extension UInt8: NIfTIScalar { public static var niftiDatatype: Int32 { Int32(DT_UINT8) } }
extension Float: NIfTIScalar { public static var niftiDatatype: Int32 { Int32(DT_FLOAT32) } }

/// A NIfTI image read as Float values (maps, masks or any voxel type).
public struct NIfTIImage: Sendable {
    public var size: VolumeSize
    public var geometry: Geometry
    /// Values after scl_slope/scl_inter, in the Volume axis order (i = column fastest).
    public var voxels: [Float]
}

/// NIfTI-1 read/write (.nii, .nii.gz) through libnifti's nifti1_io.
///
/// Axes: NIfTI i, j, k are the Volume's column, row and slice, so the voxel order is the
/// same. NIfTI world space is RAS, DICOM's is LPS: the affine is the Volume's LPS affine
/// with its x and y rows negated. Written files carry the same affine as sform and qform
/// (both code 1, scanner anatomical), so they overlay the original series in viewers.
public enum NIfTI {
    /// Writes any supported voxel type with the given grid.
    public static func write<T: NIfTIScalar>(voxels: [T], size: VolumeSize, geometry: Geometry,
                                             to url: URL, description: String = "") throws {
        guard voxels.count == size.count, size.count > 0 else {
            throw VolumeError(.niftiError, url.path, "\(voxels.count) voxels for a \(size.columns)x\(size.rows)x\(size.slices) grid")
        }
        guard StudyFile.isNIfTI(url.path) else {
            throw VolumeError(.niftiError, url.path, "file name must end in .nii or .nii.gz")
        }
        nifti_set_debug_level(0)
        var dims: [Int32] = [3, Int32(size.columns), Int32(size.rows), Int32(size.slices), 1, 1, 1, 1]
        guard let nim = nifti_make_new_nim(&dims, T.niftiDatatype, 0) else {
            throw VolumeError(.niftiError, url.path, "cannot allocate the NIfTI image")
        }
        defer { nifti_image_free(nim) }
        // Hand the caller's buffer to libnifti for the write only; detached before the free.
        try voxels.withUnsafeBytes { raw in
            nim.pointee.data = UnsafeMutableRawPointer(mutating: raw.baseAddress)
            defer { nim.pointee.data = nil }
            setGeometry(nim, geometry)
            withUnsafeMutableBytes(of: &nim.pointee.descrip) { d in
                let bytes = Array(description.utf8.prefix(79))
                d.copyBytes(from: bytes + [0])
            }
            guard nifti_set_filenames(nim, url.path, 0, 1) == 0 else {
                throw VolumeError(.niftiError, url.path, "libnifti refused the file name")
            }
            try? FileManager.default.removeItem(at: url)
            nifti_image_write(nim)
        }
        // nifti_image_write reports nothing: check the file is there.
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw VolumeError(.writeFailed, url.path, "libnifti could not write the file")
        }
    }

    /// Writes an Int16 HU volume.
    public static func write(_ volume: Volume, to url: URL) throws {
        try write(voxels: volume.voxels, size: volume.size, geometry: volume.geometry, to: url,
                  description: "CTScreen HU; not for clinical use")
    }

    /// Reads a NIfTI file as an Int16 volume (values after scl_slope/scl_inter, rounded and
    /// clamped). Metadata is empty except the modality, assumed CT.
    public static func read(at url: URL) throws -> Volume {
        let metadata = StudyMetadata(seriesDescription: url.lastPathComponent)
        // Int16 data without scaling (what `write` produces) is copied as is.
        if let (size, geometry, voxels) = try readInt16Unscaled(at: url) {
            return Volume(size: size, geometry: geometry, metadata: metadata, voxels: voxels)
        }
        let image = try readFloat(at: url)
        let voxels = image.voxels.map { Int16(max(-32768, min(32767, $0.rounded()))) }
        return Volume(size: image.size, geometry: image.geometry, metadata: metadata, voxels: voxels)
    }

    /// The file's header and data, read by libnifti (free with `nifti_image_free`).
    private static func open(_ url: URL) throws -> UnsafeMutablePointer<nifti_image> {
        try DICOMFile.checkReadableFile(url)
        nifti_set_debug_level(0)
        guard let nim = nifti_image_read(url.path, 1) else {
            throw VolumeError(.niftiError, url.path, "not a readable NIfTI file")
        }
        return nim
    }

    private static func readInt16Unscaled(at url: URL) throws -> (VolumeSize, Geometry, [Int16])? {
        let nim = try open(url)
        defer { nifti_image_free(nim) }
        let n = nim.pointee
        guard n.datatype == Int32(DT_INT16), n.scl_slope == 0 || n.scl_slope == 1, n.scl_inter == 0,
              n.nx > 0, n.ny > 0, n.nz > 0, n.nt <= 1, n.nu <= 1, n.nv <= 1, n.nw <= 1, let data = n.data else {
            return nil
        }
        let size = VolumeSize(columns: Int(n.nx), rows: Int(n.ny), slices: Int(n.nz))
        let voxels = Array(UnsafeBufferPointer(start: data.bindMemory(to: Int16.self, capacity: size.count),
                                               count: size.count))
        return (size, try geometry(of: n, path: url.path), voxels)
    }

    /// Reads a 3D NIfTI file (4D only when the 4th dimension is 1) as Float values.
    public static func readFloat(at url: URL) throws -> NIfTIImage {
        let nim = try open(url)
        defer { nifti_image_free(nim) }
        let n = nim.pointee
        guard n.nx > 0, n.ny > 0, n.nz > 0, n.nt <= 1, n.nu <= 1, n.nv <= 1, n.nw <= 1, n.data != nil else {
            throw VolumeError(.niftiError, url.path, "not a single 3D volume (dims \(n.nx)x\(n.ny)x\(n.nz)x\(n.nt))")
        }
        let size = VolumeSize(columns: Int(n.nx), rows: Int(n.ny), slices: Int(n.nz))
        let slope = (n.scl_slope == 0 || !n.scl_slope.isFinite) ? Float(1) : n.scl_slope
        let inter = n.scl_inter.isFinite ? n.scl_inter : 0
        let values = try convert(n.data!, datatype: n.datatype, count: size.count, path: url.path)
        let voxels = slope == 1 && inter == 0 ? values : values.map { $0 * slope + inter }
        return NIfTIImage(size: size, geometry: try geometry(of: n, path: url.path), voxels: voxels)
    }

    // MARK: - Affine

    /// The RAS affine of a Geometry: columns are spacing-scaled direction vectors.
    static func rasAffine(_ g: Geometry) -> [[Double]] {
        let flip = SIMD3<Double>(-1, -1, 1)
        let c0 = g.rowDirection * g.spacing.x * flip
        let c1 = g.columnDirection * g.spacing.y * flip
        let c2 = g.sliceDirection * g.spacing.z * flip
        let t = g.origin * flip
        return (0..<3).map { r in [c0[r], c1[r], c2[r], t[r]] } + [[0, 0, 0, 1]]
    }

    private static func setGeometry(_ nim: UnsafeMutablePointer<nifti_image>, _ g: Geometry) {
        let a = rasAffine(g)
        var m = mat44()
        withUnsafeMutableBytes(of: &m.m) { raw in
            let f = raw.bindMemory(to: Float.self)
            for r in 0..<4 { for c in 0..<4 { f[r * 4 + c] = Float(a[r][c]) } }
        }
        nim.pointee.sto_xyz = m
        nim.pointee.sform_code = 1  // NIFTI_XFORM_SCANNER_ANAT
        var qb: Float = 0, qc: Float = 0, qd: Float = 0, qx: Float = 0, qy: Float = 0, qz: Float = 0
        var dx: Float = 0, dy: Float = 0, dz: Float = 0, qfac: Float = 0
        nifti_mat44_to_quatern(m, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac)
        nim.pointee.quatern_b = qb
        nim.pointee.quatern_c = qc
        nim.pointee.quatern_d = qd
        nim.pointee.qoffset_x = qx
        nim.pointee.qoffset_y = qy
        nim.pointee.qoffset_z = qz
        nim.pointee.qfac = qfac
        nim.pointee.qform_code = 1
        nim.pointee.qto_xyz = nifti_quatern_to_mat44(qb, qc, qd, qx, qy, qz, dx, dy, dz, qfac)
        nim.pointee.dx = Float(g.spacing.x)
        nim.pointee.dy = Float(g.spacing.y)
        nim.pointee.dz = Float(g.spacing.z)
        nim.pointee.pixdim.1 = Float(g.spacing.x)
        nim.pointee.pixdim.2 = Float(g.spacing.y)
        nim.pointee.pixdim.3 = Float(g.spacing.z)
        nim.pointee.xyz_units = Int32(NIFTI_UNITS_MM)
    }

    /// Geometry from sform (if its code is set), else qform, else the pixel sizes alone.
    private static func geometry(of n: nifti_image, path: String) throws -> Geometry {
        var m: mat44
        if n.sform_code > 0 { m = n.sto_xyz } else if n.qform_code > 0 { m = n.qto_xyz } else {
            return Geometry(spacing: [Double(abs(n.dx)), Double(abs(n.dy)), Double(abs(n.dz))], origin: .zero,
                            rowDirection: [-1, 0, 0], columnDirection: [0, -1, 0], sliceDirection: [0, 0, 1])
        }
        let a: [Double] = withUnsafeBytes(of: &m.m) { raw in raw.bindMemory(to: Float.self).map(Double.init) }
        let flip = SIMD3<Double>(-1, -1, 1)
        func column(_ c: Int) -> SIMD3<Double> { SIMD3(a[c], a[4 + c], a[8 + c]) * flip }
        var spacing = SIMD3<Double>()
        var directions: [SIMD3<Double>] = []
        for c in 0..<3 {
            let v = column(c)
            let length = (v * v).sum().squareRoot()
            guard length > 0, length.isFinite else {
                throw VolumeError(.niftiError, path, "degenerate affine (axis \(c) has zero length)")
            }
            spacing[c] = length
            directions.append(v / length + SIMD3(repeating: 0))  // + 0 turns -0 into 0
        }
        return Geometry(spacing: spacing, origin: column(3) + SIMD3(repeating: 0), rowDirection: directions[0],
                        columnDirection: directions[1], sliceDirection: directions[2])
    }

    private static func convert(_ data: UnsafeMutableRawPointer, datatype: Int32, count: Int,
                                path: String) throws -> [Float] {
        func load<T>(_ type: T.Type, _ f: (T) -> Float) -> [Float] {
            let p = data.bindMemory(to: T.self, capacity: count)
            return (0..<count).map { f(p[$0]) }
        }
        switch datatype {
        case Int32(DT_UINT8): return load(UInt8.self) { Float($0) }
        case Int32(DT_INT8): return load(Int8.self) { Float($0) }
        case Int32(DT_INT16): return load(Int16.self) { Float($0) }
        case Int32(DT_UINT16): return load(UInt16.self) { Float($0) }
        case Int32(DT_INT32): return load(Int32.self) { Float($0) }
        case Int32(DT_UINT32): return load(UInt32.self) { Float($0) }
        case Int32(DT_FLOAT32): return load(Float.self) { $0 }
        case Int32(DT_FLOAT64): return load(Double.self) { Float($0) }
        default: throw VolumeError(.niftiError, path, "unsupported NIfTI datatype \(datatype)")
        }
    }
}
