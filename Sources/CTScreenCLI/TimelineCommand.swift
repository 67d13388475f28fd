import ArgumentParser
import Cluster
import Foundation
import Screening
import Timeline

/// `ctscreen timeline PATIENT`: a patient's studies over time, from `analyze --history DIR`'s
/// store or the cluster's result store.
struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Prints a patient's studies over time (Corona score, relative score, focal findings matched between scans) and plots them.",
        discussion: """
        From --history DIR (what `ctscreen analyze --history DIR` recorded) or from the cluster \
        (--redis-url, what reducers recorded). The plot shows the Corona score over days, each point \
        labelled with its relative score, above one line per tracked focal finding's volume. \
        Research software, not for clinical use.
        """)

    @Argument(help: "The patient id (DICOM PatientID).")
    var patient: String

    @Option(help: "History folder of `ctscreen analyze --history`.")
    var history: String?

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Write the plot here (PNG; default: timeline-<patient>.png in the history folder, or in the current folder for the cluster).")
    var plot: String?

    @Flag(help: "Print the timeline as JSON instead of a table.")
    var json = false

    func run() throws {
        do {
            let store: TimelineStore
            var defaultFolder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            if let history {
                store = try SQLiteTimelineStore(folder: URL(fileURLWithPath: history))
                defaultFolder = URL(fileURLWithPath: history)
            } else {
                store = try RedisTimelineStore(transport: cluster.transport())
            }
            let points = try store.timePoints(patient: patient)
            guard !points.isEmpty else { throw TimelineError("no studies of patient \(patient)") }
            let timeline = Timeline(patientID: patient, timePoints: points)
            let plotURL = plot.map { URL(fileURLWithPath: $0) }
                ?? defaultFolder.appendingPathComponent("timeline-\(TimelineFiles.safeName(patient)).png")
            try TimelineFiles.writePlot(timeline, to: plotURL)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(timeline), as: UTF8.self))
            } else {
                TimelineText.lines(timeline).forEach { print($0) }
                print("plot: \(plotURL.path)")
            }
        } catch {
            throw CommandFailure.report("timeline", message: "\(patient): \(error)")
        }
    }
}

enum TimelineFiles {
    /// A file-name-safe form of a patient id.
    static func safeName(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    static func writePlot(_ timeline: Timeline, to url: URL) throws {
        let picture = TimelinePlot.render(timeline)
        try PNGFile.write(PNGFile.Image(width: picture.width, height: picture.height, channels: 3, pixels: picture.rgb),
                          to: url.path)
    }

    /// What `analyze --history` and `result` print about a study's place in its timeline.
    static func summary(_ timeline: Timeline, of study: (TimePoint) -> Bool) -> [String] {
        guard let n = timeline.points.firstIndex(where: { study($0.timePoint) }) else {
            return timeline.notes.isEmpty ? ["not on the timeline"] : timeline.notes
        }
        let p = timeline.points[n]
        var line = "patient \(timeline.patientID): time point \(n + 1) of \(timeline.points.count), day "
            + String(format: "%.1f", p.day) + String(format: ", Corona %.2f cm³", p.timePoint.coronaScore)
        if let r = p.relativeCoronaScore { line += String(format: " (relative %.2f)", r) }
        var out = [line]
        let changes = p.findings.compactMap { f -> String? in
            guard let change = f.volumeChangeCM3, let previous = f.previousID else { return nil }
            return "#\(f.id) " + String(format: "%+.2f cm³", change) + " since #\(previous)"
        }
        if n > 0 {
            let new = p.findings.filter { $0.previousID == nil }.count
            let gone = timeline.points[n - 1].findings.count - p.findings.filter { $0.previousID != nil }.count
            out.append("findings: " + (changes.isEmpty ? "none matched" : changes.prefix(5).joined(separator: ", "))
                       + "; \(new) new, \(gone) gone since the previous scan")
        }
        return out + timeline.notes.map { "note: " + $0 }
    }
}
