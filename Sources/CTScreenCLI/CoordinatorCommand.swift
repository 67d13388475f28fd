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

    @Option(help: ArgumentHelp("Admit a study only while Redis holds less than 70 % of this (e.g. 512mb, 4gb), when it is below Redis's own maxmemory. Default: maxmemory alone.", valueName: "size"),
            transform: { try CoordinatorCommand.bytes($0) })
    var redisMemoryBudget: Int?

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
            coordinator.admission = Admission(budget: redisMemoryBudget)
            try RoleProcess.serve(role: "coordinator", queue: .studies, cluster: cluster, options: role,
                                  handler: coordinator.handle)
        } catch {
            throw RoleProcess.fail("coordinator", error)
        }
    }
}

extension CoordinatorCommand {
    /// A size as Redis writes `maxmemory`: bytes, or a number with kb, mb or gb (powers of 1024).
    static func bytes(_ text: String) throws -> Int {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        let (unit, scale) = units.first { lower.hasSuffix($0.0) } ?? ("", 1)
        guard let n = Double(lower.dropLast(unit.count)), n > 0, n * Double(scale) < 1e18 else {
            throw ValidationError("--redis-memory-budget '\(text)' is not a size (e.g. 512mb, 4gb, or bytes)")
        }
        return Int(n * Double(scale))
    }
}
