import ArgumentParser
import Cluster
import Foundation
import Imaging
import Preparation
import Screening

/// `ctscreen bench-load` (hidden; used by Scripts/bench-cluster): pushes synthetic slice
/// batches (small payloads) onto the slices queue and times how fast the running workers
/// (`worker --simulate-ms`) drain them: the throughput of the queue fabric.
struct BenchLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-load", abstract: "Times the queue fabric with synthetic slice batches (for Scripts/bench-cluster).",
        shouldDisplay: false)

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Studies to push.")
    var studies = 50
    @Option(help: "Batches per study.")
    var batches = 8
    @Option(help: "Slices per batch.")
    var batchSize = 16
    @Option(help: "Side of each synthetic slice (side² Float32 values per slice).")
    var side = 16

    func run() throws {
        do {
            let t = try cluster.transport()
            let codec = MessageCodec(keys: t.keys)
            let total = studies * batches * batchSize
            let start0 = try t.counter("slices")
            let started = Date()
            let crop = PixelRect(row: 0, column: 0, rows: side, columns: side)
            let pixels = [Float](repeating: 0.5, count: side * side)
            for s in 0..<studies {
                let id = "bench-\(s)"
                var messages: [[UInt8]] = []
                for b in 0..<batches {
                    let indices = Array((b * batchSize)..<((b + 1) * batchSize))
                    let key = t.keys.batchPayload(id, attempt: 1, batch: b)
                    let slices = indices.map { PreparedSlice(sliceIndex: $0, crop: crop, side: side, pixels: pixels) }
                    try t.putPayload(key, try BatchPayload(studyID: id, settings: .standard, studySliceCount: batches * batchSize,
                                                           slices: slices).encoded(), ttl: 3600)
                    messages.append(try codec.encode(Envelope(body: .sliceBatch(SliceBatchDescriptor(
                        studyID: id, batchIndex: b, batchCount: batches, sliceIndices: indices, payloadKey: key)))))
                }
                try t.push(messages, to: .slices, lane: .bulk)
            }
            while try t.counter("slices") - start0 < total { Thread.sleep(forTimeInterval: 0.01) }
            let seconds = Date().timeIntervalSince(started)
            print(String(format: "fabric: %d slices in %d batches (%d B payload per slice) in %.2f s: %.0f slices/s",
                         total, studies * batches, side * side * 4, seconds, Double(total) / seconds))
        } catch {
            throw RoleProcess.fail("bench-load", error)
        }
    }
}
