import ArgumentParser
import Cluster
import Foundation

/// `ctscreen worklist --out worklist.csv`: finished studies, most suspicious first.
struct WorklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worklist",
        abstract: "Writes the triage worklist (CSV): decision, positive ratio, Corona score, report path; most suspicious first.")

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "CSV file to write (\"-\": standard output).")
    var out: String = "-"

    func run() throws {
        do {
            let csv = try Worklist.build(try cluster.transport()).csv()
            if out == "-" { print(csv, terminator: "") } else {
                try Data(csv.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            }
        } catch {
            throw RoleProcess.fail("worklist", error)
        }
    }
}
