import ArgumentParser
import Cluster
import Foundation

/// `ctscreen submit PATH…`: one study per series found; `--wait` follows them to the end.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enqueues every series under the paths as one study each; --wait prints the triage worklist.",
        discussion: """
            A study id names the series, not its folder: dcm-<hash of StudyInstanceUID and \
            SeriesInstanceUID>, or nii-<hash of the file's bytes>; the folder or file name is kept \
            beside it as the label. Submitting a series again is idempotent: a study that is queued, \
            in progress, done or failed is left alone and reported. --new-attempt runs known series \
            again as a new attempt (its own keys and output folder; the earlier attempt's late work \
            is ignored).
            """)

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

    @Flag(help: "Run series that are already known (queued, in progress, done or failed) again, as a new attempt.")
    var newAttempt = false

    @Flag(help: "Wait until every study is done or failed, showing progress, then print the worklist.")
    var wait = false

    @Option(help: "With --wait: give up after this many seconds, print the worklist as it stands and exit non-zero.")
    var timeout: Double = 3600

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive (seconds)") }
    }

    func run() throws {
        var refused = 0
        var ids: [String] = []
        var unusable: [StudyDiscovery.Unusable] = []
        do {
            let t = try cluster.transport()
            let discovered = try StudyDiscovery.discover(paths, recursive: recursive)
            let studies = discovered.found
            unusable = discovered.unusable
            // A path with no study is never silent: one line each, the others still go on.
            for u in unusable { FileHandle.standardError.write(Data("ctscreen submit: \(u.path): \(u.reason)\n".utf8)) }
            guard !studies.isEmpty else {
                throw ClusterError(.invalidArgument, "no series or NIfTI file found under \(paths.joined(separator: " "))")
            }
            let submission = Submission(transport: t, lane: priority == .urgent ? .urgent : .bulk,
                                        outputRoot: outputRoot.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                                        newAttempt: newAttempt)
            for s in studies {
                do {
                    switch try submission.submit(s) {
                    case .submitted(let attempt):
                        print("submitted \(s.studyID)  \(s.label)  \(s.source)" + (attempt > 1 ? "  (attempt \(attempt))" : ""))
                    case .exists(let record):
                        let state = record.state.name.rawValue + (record.state.reason.isEmpty ? "" : " (\(record.state.reason))")
                        print("known     \(s.studyID)  \(s.label)  \(s.source)  \(state), attempt \(record.attempt): "
                              + "not resubmitted (--new-attempt runs it again)")
                    }
                    ids.append(s.studyID)
                } catch let e as ClusterError where e.code == .studyIDClash {
                    // Never merge or overwrite: this study is refused, the others go on.
                    FileHandle.standardError.write(Data("ctscreen submit: \(e)\n".utf8))
                    refused += 1
                }
            }
            if !unusable.isEmpty {
                FileHandle.standardError.write(Data(("ctscreen submit: \(ids.count) stud\(ids.count == 1 ? "y" : "ies") submitted or known; "
                    + "\(unusable.count) path\(unusable.count == 1 ? "" : "s") yielded no study: "
                    + unusable.map(\.path).joined(separator: ", ") + "\n").utf8))
            }
            if wait { try follow(t, ids: ids) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw RoleProcess.fail("submit", error)
        }
        if refused > 0 || !unusable.isEmpty { throw ExitCode.failure }
    }

    private func follow(_ t: QueueTransport, ids: [String]) throws {
        let tty = isatty(STDERR_FILENO) != 0
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        var timedOut: Int?
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
            if Date() >= deadline { timedOut = finished; break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        let list = try Worklist.build(t, ids: ids)
        print(list.table())
        if let finished = timedOut {
            // The studies go on in the cluster; only the waiting stops.
            FileHandle.standardError.write(Data(("ctscreen submit: --wait timed out after \(Int(timeout)) s with \(finished) of "
                + "\(ids.count) studies finished; the rest are still in the cluster (ctscreen status)\n").utf8))
            throw ExitCode.failure
        }
        if list.rows.contains(where: { $0.state == "failed" }) { throw ExitCode.failure }
    }
}
