import ArgumentParser
import Cluster
import Foundation
import Screening

/// `ctscreen coordinator`: studies → lung mask → slice-batch payloads and descriptors.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serves the studies queue: ingest, lung mask, slice batches (with backpressure).")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var role: RoleOptions

    @Option(help: "Stop splitting studies while the slices queue holds this many batches or more.")
    var highWaterMark: Int = 1000

    @Option(help: "Slices per batch (one forward pass).")
    var batchSize: Int = ScreeningSettings.standard.batchSize

    @Option(help: "Seconds payload keys live if a study is never reduced.")
    var payloadTTL: Double = ClusterDefaults.payloadTTL

    @Option(help: "The workers' weights, read for how their model wants slices prepared (window, scaling, orientation). Default: $CTSCREEN_WEIGHTS, else the shipped model.")
    var weights: String?

    func validate() throws {
        guard highWaterMark >= 1 else { throw ValidationError("--high-water-mark must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        do {
            var settings = try AnalyzeComponents.preparation(weights: weights).applied(to: .standard)
            settings.batchSize = batchSize
            let pipeline = try Pipeline(settings: settings, software: SoftwareInfo(version: CTScreenVersion.string))
            let coordinator = Coordinator(pipeline: pipeline)
            coordinator.highWaterMark = highWaterMark
            coordinator.payloadTTL = payloadTTL
            try RoleProcess.serve(role: "coordinator", queue: .studies, cluster: cluster, options: role,
                                  handler: coordinator.handle)
        } catch {
            throw RoleProcess.fail("coordinator", error)
        }
    }
}
