import CTScreenTestSupport
import Foundation
import XCTest
@testable import Volumes

/// Locates the shared data folder and makes throw-away folders for built inputs.
enum TestData {
    static var shared: URL { SharedFolder.url }
    static func data(_ relative: String) throws -> URL { try SharedFolder.existing("data/" + relative) }
    static func temporaryFolder() throws -> URL { try SharedFolder.temporaryFolder("volumes") }

    /// GDCM in a child process: the built ctscreen re-executed (XCTest cannot re-execute itself).
    static func childDecoder(environment: [String: String] = [:], timeout: Double = 60) throws -> DICOMDecoder {
        .childProcess(DecoderProcess(executable: try SharedFolder.builtBinary().path, timeout: timeout, environment: environment))
    }

    /// A small synthetic CT volume whose voxel values encode their index.
    static func phantom(columns: Int = 8, rows: Int = 6, slices: Int = 12,
                        spacing: SIMD3<Double> = [0.75, 0.8, 2.5],
                        origin: SIMD3<Double> = [-100, -120, 40]) -> Volume {
        let size = VolumeSize(columns: columns, rows: rows, slices: slices)
        var voxels = [Int16](repeating: 0, count: size.count)
        for i in voxels.indices { voxels[i] = Int16(i % 3000) - 1000 }
        return Volume(size: size, geometry: Geometry(spacing: spacing, origin: origin),
                      metadata: StudyMetadata(patientID: "PHANTOM-1", studyDate: "20260101",
                                              modality: "CT", seriesDescription: "phantom"),
                      voxels: voxels)
    }
}
