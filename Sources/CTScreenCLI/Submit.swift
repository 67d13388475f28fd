import ArgumentParser
import Cluster
import Foundation

/// `ctscreen submit PATH…`: one study per series found; `--wait` follows them to the end.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enqueues every series under the paths as one study each; --wait prints the triage worklist.")

    enum Priority: String, ExpressibleByArgument { case urgent, bulk }

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "DICOM folders (every series inside) or NIfTI files.")
    var paths: [String]

    @Flag(help: "Also pick up NIfTI files in subfolders (DICOM folders are always scanned recursively).")
    var recursive = false

    @Option(help: "urgent (served before bulk work) or bulk.")
    var priority: Priority = .bulk

    @Option(help: "Where the reducer writes the outputs (default: the reducer's --output-root).")
    var outputRoot: String?

    @Flag(help: "Wait until every study is done or failed, showing progress, then print the worklist.")
    var wait = false

    func run() throws {
        do {
            let t = try cluster.transport()
            let studies = try StudyDiscovery.find(paths, recursive: recursive)
            guard !studies.isEmpty else { throw ClusterError(.invalidArgument, "no series or NIfTI file found under \(paths.joined(separator: " "))") }
            let codec = MessageCodec(keys: t.keys)
            let lane: Lane = priority == .urgent ? .urgent : .bulk
            let root = outputRoot.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            for s in studies {
                let d = StudyDescriptor(studyID: s.studyID, sources: [s.source], patientID: s.patientID,
                                        acquired: s.acquired, outputRoot: root)
                _ = try t.transition(studyID: s.studyID, to: .queued, reset: true)
                try t.push(try codec.encode(Envelope(body: .study(d), lane: lane)), to: .studies, lane: lane)
                print("submitted \(s.studyID)  \(s.source)")
            }
            if wait { try follow(t, ids: studies.map(\.studyID)) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw RoleProcess.fail("submit", error)
        }
    }

    private func follow(_ t: QueueTransport, ids: [String]) throws {
        let tty = isatty(STDERR_FILENO) != 0
        var last = ""
        while true {
            var counts: [StudyState.Name: Int] = [:]
            for id in ids { counts[try t.studyRecord(id)?.state.name ?? .queued, default: 0] += 1 }
            let finished = counts[.done, default: 0] + counts[.failed, default: 0]
            let line = StudyState.Name.allCases.compactMap { n in counts[n].map { "\(n.rawValue) \($0)" } }.joined(separator: ", ")
            if line != last {
                FileHandle.standardError.write(Data(((tty ? "\r\u{1B}[2K" : "") + "\(finished)/\(ids.count) finished: \(line)" + (tty ? "" : "\n")).utf8))
                last = line
            }
            if finished == ids.count { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        let list = try Worklist.build(t, ids: ids)
        print(list.table())
        if list.rows.contains(where: { $0.state == "failed" }) { throw ExitCode.failure }
    }
}
