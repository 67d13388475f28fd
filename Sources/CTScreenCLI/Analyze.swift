import ArgumentParser
import Cluster
import Foundation
import Screening
import Timeline
import Volumes

/// `ctscreen analyze`: one study in, a report and its pictures and volumes out, in one
/// process (no Redis). The stages are Screening's `Pipeline`, the same ones the cluster runs.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Screens one chest CT study: report.json with focal findings, localisation, lung-mask and combined-map NIfTI, heat-map PNGs.",
        discussion: """
        STUDY is a DICOM series folder (the series is picked automatically) or a NIfTI file. \
        Outputs in DIR: report.json (with the focal findings), localization.nii.gz, lung-mask.nii.gz, \
        findings.nii.gz (1 focal, 2 diffuse opacity), overview.png and slices/slice-NNNN.png for every \
        positive slice and every slice a finding is measured on. Research software, not for clinical use.
        """)

    @Argument(help: "A DICOM series folder or a NIfTI file (.nii, .nii.gz).")
    var study: String

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("out"), help: "Output folder (created if missing).")
    var outputFolder: String

    @OptionGroup var engine: EngineOptions

    @OptionGroup var screening: ScreeningOptions

    @OptionGroup var lungs: LungModelOptions

    @Flag(help: "Print the time of each stage.")
    var timings = false

    @Option(help: "History folder (SQLite, shared by runs): the study is added to its patient's timeline, whose change is printed and plotted (timeline.png in the output folder); `ctscreen timeline PATIENT --history DIR` shows it later.")
    var history: String?

    func run() throws {
        let studyID = AnalyzeInputs.studyID(of: study)
        do {
            try analyze(studyID: studyID)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw CommandFailure.report("analyze", message: "\(studyID): \(error)")
        }
    }

    private func analyze(studyID: String) throws {
        var clock = StageClock()
        let classifier = try clock.measure("load model") {
            try AnalyzeComponents.classifier(weights: model.weights, threads: engine.threads)
        }
        // Slices are prepared the way the model says (window, scaling, orientation).
        let settings = try screening.applied(to: classifier.preparation.applied(to: .standard))
        let pipeline = try Pipeline(settings: settings, software: SoftwareInfo(version: CTScreenVersion.string))
        let output = URL(fileURLWithPath: outputFolder)
        try StudyOutputs.prepareFolder(output)
        let bar = ProgressBar(enabled: isatty(STDOUT_FILENO) != 0, label: "classifying")
        defer { bar.finish() }  // also on errors, so the error line starts on a clean line
        bar.status("reading \(studyID)")
        let volume = try clock.measure("read") { try AnalyzeComponents.readStudy(study) }
        // The cluster's coordinator → worker → reducer, over an in-memory queue.
        var runner = LocalRunner(pipeline: pipeline, classifier: classifier,
                                 segmenter: try lungs.segmenters()(studyID),
                                 volumeWriter: AnalyzeComponents.volumeWriter())
        runner.threads = engine.threads
        let report = try runner.run(volume: volume, studyName: studyID, source: study, outputFolder: output,
                                    timings: clock.timings,
                                    stage: { bar.status($0 == "segment" ? "segmenting the lungs" : "writing outputs") },
                                    progress: bar.update)
        bar.finish()
        for line in ReportSummary.lines(report, outputFolder: output.path, includeTimings: timings) {
            print(line)
        }
        if let history { try addToHistory(report, folder: URL(fileURLWithPath: history), output: output) }
    }

    /// Records the study in the history store and prints its place in the patient's timeline.
    /// A study without a patient id or date is analysed all the same: the line says why it has
    /// no place in a timeline.
    private func addToHistory(_ report: ScreeningReport, folder: URL, output: URL) throws {
        let point = TimePoint(report: report, reportPath: output.appendingPathComponent(StudyOutputs.reportName).path)
        let store = try SQLiteTimelineStore(folder: folder)
        let timeline: Timeline
        do { timeline = try store.record(point) } catch let error as TimelineError {
            print("Timeline     " + error.description)
            return
        }
        let plot = output.appendingPathComponent("timeline.png")
        try TimelineFiles.writePlot(timeline, to: plot)
        for (n, line) in TimelineFiles.summary(timeline, of: { $0.key == point.key }).enumerated() {
            print((n == 0 ? "Timeline     " : "             ") + line)
        }
        print("             plot \(plot.path); history \(store.path)")
    }
}

enum AnalyzeInputs {
    /// The study's name: the folder or file name without .nii / .nii.gz.
    static func studyID(of path: String) -> String {
        let name = StudyFile.name(of: path)
        return name.isEmpty ? path : name
    }
}

/// A one-line progress bar on a terminal (carriage return, no scrolling); silent otherwise.
final class ProgressBar {
    let enabled: Bool
    let label: String
    private var shown = false

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30, filled = width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(label) [\(bar)] \(done)/\(total) slices".utf8))
        shown = true
    }

    /// A stage without a count: its name on the progress line.
    func status(_ text: String) {
        guard enabled else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(text)…".utf8))
        shown = true
    }

    func finish() {
        guard enabled, shown else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
        shown = false
    }
}
