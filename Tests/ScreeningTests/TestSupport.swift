import CTScreenTestSupport
import Foundation
import Volumes
import XCTest
@testable import Screening

/// Helpers shared by the screening tests: paths, small synthetic volumes, a safetensors reader.
enum TestSupport {
    static var repoRoot: URL { SharedFolder.repositoryRoot }
    static var sharedFolder: URL { SharedFolder.url }
    static func temporaryFolder(_ name: String) throws -> URL { try SharedFolder.temporaryFolder(name) }

    /// A volume filled by `hu(slice, row, column)`.
    static func volume(columns: Int, rows: Int, slices: Int, spacing: SIMD3<Double>,
                       origin: SIMD3<Double> = [0, 0, 0],
                       hu: (Int, Int, Int) -> Int16) -> Volume {
        var voxels = [Int16](repeating: 0, count: columns * rows * slices)
        for k in 0..<slices {
            for r in 0..<rows {
                for c in 0..<columns { voxels[(k * rows + r) * columns + c] = hu(k, r, c) }
            }
        }
        return Volume(size: VolumeSize(columns: columns, rows: rows, slices: slices),
                      geometry: Geometry(spacing: spacing, origin: origin),
                      metadata: StudyMetadata(patientID: "TEST-1", studyInstanceUID: "1.2.3",
                                              seriesInstanceUID: "1.2.3.4", studyDate: "20200401"),
                      voxels: voxels)
    }

    /// Float32 tensors of a safetensors file, by name (F32 only).
    static func safetensors(_ url: URL) throws -> [String: [Float]] {
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        var out: [String: [Float]] = [:]
        for (name, value) in header ?? [:] {
            guard let entry = value as? [String: Any], entry["dtype"] as? String == "F32",
                  let offsets = entry["data_offsets"] as? [Int] else { continue }
            let bytes = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
            out[name] = bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
            }
        }
        return out
    }
}
