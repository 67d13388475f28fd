import Foundation
import XCTest
@testable import Volumes

/// Locates the shared data folder and makes throw-away folders for built inputs.
enum TestData {
    static var shared: URL {
        if let path = ProcessInfo.processInfo.environment["CTSCREEN_SHARED"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // Tests/VolumesTests/TestData.swift → repo root is three levels up.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared")
    }

    static func data(_ relative: String) throws -> URL {
        let url = shared.appendingPathComponent("data").appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("test data missing: \(url.path) (set CTSCREEN_SHARED)")
        }
        return url
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ctscreen-volumes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
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
