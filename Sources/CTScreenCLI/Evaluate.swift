import ArgumentParser
import Evaluation
import Foundation
import Preparation
import Screening

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "ROC analysis of slice and case scores: AUC with 95 % CI, operating points, rank-sum test.",
        discussion: """
        Each CSV has a header naming the columns id, label, score and optionally group; labels are \
        1/0 (or true/false, positive/negative). Writes DIR/evaluation.json and DIR/roc.png. \
        The AUC interval is DeLong's; --bootstrap N adds a seeded stratified bootstrap interval. \
        When the case CSV has a group column with exactly two groups, the two-sided Wilcoxon \
        rank-sum test compares their case scores (exact when no ties and a group has at most 8 \
        cases, else the normal approximation with tie and continuity corrections).
        """)

    @Option(name: .customLong("slices"), help: "Slice-level CSV (id,label,score[,group]).")
    var slicesPath: String?

    @Option(name: .customLong("cases"), help: "Case-level CSV (id,label,score[,group]).")
    var casesPath: String?

    @Option(name: .customLong("slice-threshold"), parsing: .singleValue,
            help: "Slice operating point (score ≥ value is positive); repeatable. Default 0.5.")
    var sliceThresholds: [Double] = []

    @Option(name: .customLong("case-threshold"), parsing: .singleValue,
            help: "Case operating point on the case score scale; repeatable. Default: the method's positive ratios 0.011 and 0.019.")
    var caseThresholds: [Double] = []

    @Option(help: "Two-sided confidence level of the AUC interval.")
    var level: Double = 0.95

    @Option(help: "Bootstrap replicates for a second AUC interval (0: DeLong only).")
    var bootstrap: Int = 0

    @Option(help: "Seed of the bootstrap.")
    var seed: UInt64 = 1

    @Option(name: .customLong("output"), help: "Folder for evaluation.json and roc.png (created if missing).")
    var output: String

    func validate() throws {
        guard slicesPath != nil || casesPath != nil else { throw ValidationError("give --slices FILE, --cases FILE or both") }
        guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1), got \(level)") }
        guard bootstrap == 0 || bootstrap >= 10 else { throw ValidationError("--bootstrap needs 0 or at least 10 replicates") }
    }

    func run() throws {
        try reportingErrors("evaluate") { print(try evaluate().summaryLine) }
    }

    struct Output: Codable {
        var note = "Research software; figures describe the given data only, not a clinical validation."
        var software = "ctscreen \(CTScreenVersion.string)"
        var slices: ROCSummary?
        var cases: ROCSummary?
        var rankSum: RankSumOutput?
        var plot: String
    }

    struct RankSumOutput: Codable {
        var groups: [String]
        var test: RankSumTest
    }

    struct Result {
        var output: Output
        var summaryLine: String
    }

    /// Reads the tables, computes everything, writes the JSON and the plot.
    func evaluate() throws -> Result {
        let folder = URL(fileURLWithPath: output)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ScreeningError.output(path: output, reason: error.localizedDescription)
        }
        func settings(_ thresholds: [Double]) -> ROCSettings {
            ROCSettings(operatingPoints: thresholds, level: level, bootstrapReplicates: bootstrap, bootstrapSeed: seed)
        }
        var out = Output(plot: "roc.png")
        var lines: [String] = []
        if let path = slicesPath {
            let table = try ScoreTable.read(path: path)
            out.slices = try ROCSummary(name: "slices", data: table.labeledScores(),
                                        settings: settings(sliceThresholds.isEmpty ? [0.5] : sliceThresholds))
        }
        if let path = casesPath {
            let table = try ScoreTable.read(path: path)
            let defaults = ScreeningSettings.standard.operatingPoints.map(\.positiveRatio)
            out.cases = try ROCSummary(name: "cases", data: table.labeledScores(),
                                       settings: settings(caseThresholds.isEmpty ? defaults : caseThresholds))
            let groups = table.groups
            if groups.count == 2 {
                let scores = groups.map { g in table.rows.filter { $0.group == g }.map(\.score) }
                out.rankSum = RankSumOutput(groups: groups, test: try RankSumTest(scores[0], scores[1], source: path))
            } else if !groups.isEmpty {
                throw EvaluationError.invalidData(source: path,
                    reason: "the rank-sum test needs exactly two groups, found \(groups.count): \(groups.joined(separator: ", "))")
            }
        }
        var curves: [ROCPlot.Curve] = []
        for summary in [out.slices, out.cases].compactMap({ $0 }) {
            let a = summary.auc
            let label = "\(summary.name) AUC \(fmt(a.auc)) (\(fmt(a.lower))-\(fmt(a.upper)))"
            curves.append(ROCPlot.Curve(label: label, points: summary.curve))
            lines.append("\(summary.name): n \(summary.count) (\(summary.positives) positive), AUC \(fmt(a.auc)), "
                         + "\(Int((level * 100).rounded())) % CI \(fmt(a.lower))–\(fmt(a.upper)) (DeLong)")
        }
        if let r = out.rankSum {
            lines.append("rank-sum \(r.groups[0]) vs \(r.groups[1]): U \(r.test.u1), p \(String(format: "%.4g", r.test.pValue)) (\(r.test.method.rawValue))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let jsonURL = folder.appendingPathComponent("evaluation.json")
        do { try encoder.encode(out).write(to: jsonURL) } catch {
            throw ScreeningError.output(path: jsonURL.path, reason: "\(error)")
        }
        let picture = ROCPlot.render(curves)
        try PNGFile.write(PNGFile.Image(width: picture.width, height: picture.height, channels: 3, pixels: picture.rgb),
                          to: folder.appendingPathComponent("roc.png").path)
        return Result(output: out, summaryLine: lines.joined(separator: "\n"))
    }

    private func fmt(_ v: Double) -> String { String(format: "%.3f", v) }
}
