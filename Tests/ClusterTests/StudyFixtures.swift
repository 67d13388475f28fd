import Foundation
import Imaging
import Logging
import Preparation
import Screening
import Volumes
import XCTest
@testable import Cluster

/// Small DICOM series written on the fly, and the three roles over one in-memory transport
/// (a deterministic stand-in for the cluster: no model, no Redis).
enum StudyFixtures {
    static func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ctscreen-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A 32×32 series of `slices` slices into `folder` (fresh UIDs unless given): a box of
    /// "lung" whose brightness grows with `brightness`, so the rule classifier scores it.
    @discardableResult
    static func writeSeries(to folder: URL, slices: Int, brightness: Int, patientID: String = "P",
                            studyUID: String = "", seriesUID: String = "") throws -> URL {
        let size = VolumeSize(columns: 32, rows: 32, slices: slices)
        var voxels = [Int16](repeating: 40, count: size.count)
        for k in 1..<(slices - 1) {
            for r in 6..<26 {
                for c in 4..<28 { voxels[(k * 32 + r) * 32 + c] = Int16(-900 + brightness * k + 3 * r - 2 * c) }
            }
        }
        let metadata = StudyMetadata(patientID: patientID, studyInstanceUID: studyUID, seriesInstanceUID: seriesUID,
                                     studyDate: "20240101")
        let volume = Volume(size: size, geometry: Geometry(spacing: [0.8, 0.8, 2.5], origin: [0, 0, 0]),
                            metadata: metadata, voxels: voxels)
        try DICOMWriter.writeSeries(volume, to: folder)
        return folder
    }

    /// Lungs = the box the series above draws, on every slice but the first and last.
    struct BoxSegmenter: LungSegmenting {
        func segment(_ volume: Volume) throws -> LungRegion {
            let size = volume.size
            var mask = [UInt8](repeating: 0, count: size.count)
            for k in 1..<(size.slices - 1) {
                for r in 6..<26 { for c in 4..<28 { mask[(k * size.rows + r) * size.columns + c] = 1 } }
            }
            return try LungRegion(size: size, mask: mask, lungSlices: Array(1..<(size.slices - 1)),
                                  roi: PixelRect(row: 6, column: 4, rows: 20, columns: 24))
        }
    }

    /// P = mean windowed pixel: brighter series have more positive slices.
    static func classifier(_ settings: ScreeningSettings) -> RuleClassifier {
        RuleClassifier(settings: settings) { pixels in
            let mean = pixels.reduce(0, +) / Float(pixels.count)
            return (min(max(mean, 0.01), 0.99), pixels)
        }
    }

    /// Coordinator, worker and reducer over one transport; `drain()` runs them until every
    /// queue is empty (the order a cluster would also reach).
    final class Roles {
        let transport: QueueTransport
        let coordinator: Coordinator
        let worker: Worker
        let reducer: Reducer
        private var loops: [QueueName: ServeLoop] = [:]

        init(transport: QueueTransport = InMemoryTransport(), outputRoot: URL) throws {
            self.transport = transport
            var settings = ScreeningSettings.standard
            settings.batchSize = 4
            let pipeline = try Pipeline(settings: settings, software: SoftwareInfo(version: "t"))
            coordinator = Coordinator(pipeline: pipeline, segmenter: { _ in BoxSegmenter() })
            worker = Worker(compute: .classifier(StudyFixtures.classifier(settings)))
            reducer = Reducer(software: SoftwareInfo(version: "t"), outputRoot: outputRoot.path, volumeWriter: nil)
            for queue in QueueName.allCases {
                var c = ServeConfiguration(queue: queue, role: "test", processID: "p-\(queue.rawValue)")
                c.reapInterval = nil
                loops[queue] = ServeLoop(transport: transport, configuration: c, stop: StopFlag(), logger: TestSupport.logger)
            }
        }

        /// Runs every queue of `queues` empty; returns the outcomes per queue.
        @discardableResult
        func drain(_ queues: Set<QueueName> = Set(QueueName.allCases)) throws -> [QueueName: [ItemOutcome]] {
            var outcomes: [QueueName: [ItemOutcome]] = [:]
            let handlers: [(QueueName, ServeLoop.Handler)] = [(.studies, coordinator.handle), (.slices, worker.handle),
                                                              (.reduce, reducer.handle)].filter { queues.contains($0.0) }
            var progressed = true
            while progressed {
                progressed = false
                for (queue, handler) in handlers {
                    while let o = try loops[queue]!.step(handler, timeout: 0) {
                        outcomes[queue, default: []].append(o)
                        progressed = true
                    }
                }
            }
            return outcomes
        }
    }
}
