import ArgumentParser
import Cluster
import Foundation
import Screening

/// `ctscreen reducer`: all batch results of a study → report and artefacts on disk.
struct ReducerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reducer",
        abstract: "Serves the reduce queue: 3D fusion, scores, report and pictures into OUTPUT-ROOT/<label>--<study id>/.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var role: RoleOptions

    @Option(help: "Folder for the studies' outputs (when the submission named none).")
    var outputRoot: String = "ctscreen-reports"

    func run() throws {
        do {
            let reducer = Reducer(software: SoftwareInfo(version: CTScreenVersion.string), outputRoot: outputRoot)
            reducer.threads = role.threads
            try RoleProcess.serve(role: "reducer", queue: .reduce, cluster: cluster, options: role, handler: reducer.handle)
        } catch {
            throw RoleProcess.fail("reducer", error)
        }
    }
}
