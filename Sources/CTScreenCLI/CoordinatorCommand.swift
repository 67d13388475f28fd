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

    @OptionGroup var model: ModelOptions
    @OptionGroup var screening: ScreeningOptions
    @OptionGroup var lungs: LungModelOptions

    @Option(help: "Stop splitting studies while the slices queue holds this many batches or more.")
    var highWaterMark: Int = ClusterDefaults.highWaterMark

    @Option(help: "Seconds payload keys live if a study is never reduced.")
    var payloadTTL: Double = ClusterDefaults.payloadTTL

    @Option(help: ArgumentHelp("Admit a study only while Redis holds less than 70 % of this (e.g. 512mb, 4gb), when it is below Redis's own maxmemory. Default: maxmemory alone.", valueName: "size"),
            transform: { try CoordinatorCommand.bytes($0) })
    var redisMemoryBudget: Int?

    func validate() throws {
        guard highWaterMark >= 1 else { throw ValidationError("--high-water-mark must be at least 1") }
    }

    func run() throws {
        do {
            let coordinator = try makeCoordinator()
            try RoleProcess.serve(role: "coordinator", queue: .studies, cluster: cluster, options: role,
                                  handler: coordinator.handle)
        } catch {
            throw RoleProcess.fail("coordinator", error)
        }
    }
}

extension CoordinatorCommand {
    /// The coordinator these options describe: slices prepared as the model wants them, the
    /// screening settings (threshold, operating points, batch size) every batch carries.
    func makeCoordinator() throws -> Coordinator {
        let settings = try screening.applied(to: AnalyzeComponents.preparation(weights: model.weights).applied(to: .standard))
        let coordinator = Coordinator(pipeline: try Pipeline(settings: settings, software: SoftwareInfo(version: CTScreenVersion.string)),
                                      segmenter: try lungs.segmenters())
        coordinator.highWaterMark = highWaterMark
        coordinator.payloadTTL = payloadTTL
        coordinator.admission = Admission(budget: redisMemoryBudget)
        return coordinator
    }

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
