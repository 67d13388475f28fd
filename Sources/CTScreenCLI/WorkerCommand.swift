import ArgumentParser
import Cluster
import Foundation
import NeuralEngine
import Screening

/// `ctscreen worker`: slice batches → ResNet-50 + Grad-CAM → batch results.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serves the slices queue: ResNet-50 and Grad-CAM on slice batches.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var role: RoleOptions

    @OptionGroup var model: ModelOptions

    @Option(help: "Simulate the compute: sleep this many milliseconds per batch, no model (fabric benchmarks).")
    var simulateMs: Int?

    func validate() throws {
        if let ms = simulateMs, ms < 0 { throw ValidationError("--simulate-ms must be ≥ 0") }
    }

    func run() throws {
        do {
            let compute: Worker.Compute
            if let ms = simulateMs {
                compute = .simulated(milliseconds: ms)
            } else {
                compute = .classifier(try AnalyzeComponents.classifier(weights: model.weights, threads: role.threads))
            }
            let worker = Worker(compute: compute)
            // Fault injection for the integration tests (a poison study that kills its worker).
            worker.abortOnStudy = ProcessInfo.processInfo.environment["CTSCREEN_TEST_ABORT_STUDY"]
            try RoleProcess.serve(role: "worker", queue: .slices, cluster: cluster, options: role, handler: worker.handle)
        } catch {
            throw RoleProcess.fail("worker", error)
        }
    }
}
