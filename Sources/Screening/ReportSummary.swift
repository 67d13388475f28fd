import Foundation
import Opacities

/// The one-screen text summary of a report (what `ctscreen analyze` prints).
public enum ReportSummary {
    public static func lines(_ report: ScreeningReport, outputFolder: String? = nil,
                             includeTimings: Bool = false) -> [String] {
        func pad(_ label: String) -> String { label.padding(toLength: 13, withPad: " ", startingAt: 0) }
        func percent(_ x: Double) -> String { String(format: "%.1f %%", 100 * x) }
        let s = report.study
        var out = ["CTScreen \(report.software.version) — research software, NOT FOR CLINICAL USE"]
        let spacing = s.spacing.map { String(format: "%.3g", $0) }.joined(separator: "×")
        out.append(pad("Study") + "\(s.studyID)  (patient \(s.patientID.isEmpty ? "?" : s.patientID), "
            + "\(s.size.slices) slices \(s.size.columns)×\(s.size.rows), \(spacing) mm)")
        out.append(pad("Lung") + "\(report.lung.sliceCount) slices, "
            + String(format: "%.2f l", report.lung.volumeML / 1000))
        out.append(pad("Positive") + "\(report.positiveSlices.count) of \(report.lung.sliceCount) lung slices = "
            + percent(report.positiveRatio) + String(format: " (slice threshold P ≥ %.2f)", report.settings.positiveThreshold))
        out.append(pad("Corona score") + String(format: "%.2f cm³", report.coronaScore))
        if let focal = report.focalOpacities {
            out.append(pad("Focal") + "\(focal.findings.count) finding\(focal.findings.count == 1 ? "" : "s")"
                + String(format: ", %.2f cm³ in all", focal.totalVolumeCM3))
            out += findingsTable(focal.findings).map { pad("") + $0 }
        }
        for (i, d) in report.decisions.enumerated() {
            let verdict = d.positive ? "POSITIVE (COVID-19 suspected)" : "negative"
            out.append(pad(i == 0 ? "Decision" : "") + "\(d.operatingPoint) (ratio ≥ \(percent(d.threshold))): \(verdict)")
        }
        out.append(pad("Model") + "sha256 \(report.model.sha256.prefix(16))…  \(report.model.description)")
        if let folder = outputFolder {
            let slicePictures = report.outputs.keys.filter { $0.hasPrefix("slice ") }.count
            var files = ["report.json", "localization", "lungMask", "findings", "overview"].compactMap {
                $0 == "report.json" ? StudyOutputs.reportName : report.outputs[$0]
            }
            if slicePictures > 0 { files.append("\(slicePictures) slice PNGs in \(StudyOutputs.slicesFolder)/") }
            files += ["features", "thumbnails"].compactMap { report.outputs[$0] }
            out.append(pad("Outputs") + folder)
            out.append(pad("") + files.joined(separator: ", "))
        }
        if includeTimings {
            let total = report.timings.reduce(0) { $0 + $1.seconds }
            out.append(pad("Timings") + report.timings.map { "\($0.stage) " + String(format: "%.2f s", $0.seconds) }
                .joined(separator: " · ") + String(format: " · total %.2f s", total))
        }
        return out
    }

    /// One line per focal finding (at most `limit`, the largest), under a header.
    public static func findingsTable(_ findings: [FocalFinding], limit: Int = 10) -> [String] {
        guard !findings.isEmpty else { return [] }
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var rows = [cell("#", 4) + cell("volume", 11) + cell("diameters", 16) + cell("mean HU", 9) + cell("class", 13)
            + cell("side", 7) + cell("slice", 7) + "in diffuse"]
        for f in findings.prefix(limit) {
            rows.append(cell("\(f.id)", 4) + cell(String(format: "%.2f cm³", f.volumeCM3), 11)
                + cell(String(format: "%.1f × %.1f mm", f.longestDiameterMM, f.perpendicularDiameterMM), 16)
                + cell(String(format: "%.0f", f.meanHU), 9) + cell(f.kind.rawValue, 13) + cell(f.side, 7)
                + cell("\(f.diameterSlice)", 7)
                + (f.gradCAMOverlap.map { String(format: "%.0f %%", 100 * $0) } ?? "–"))
        }
        if findings.count > limit { rows.append("… \(findings.count - limit) more in report.json") }
        return rows
    }
}
