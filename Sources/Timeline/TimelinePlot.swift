import Evaluation
import Foundation

/// The timeline as a picture: the Corona score over days (each point labelled with its
/// relative score) above the volume of each tracked focal finding over days, one line per track.
public enum TimelinePlot {
    public static func render(_ timeline: Timeline, width: Int = 840, panelHeight: Int = 260) -> RasterImage {
        let left = 90, right = 30, top = 44, gap = 70
        let height = top + 2 * panelHeight + gap + 60
        var img = RasterImage(width: width, height: height)
        let black: RasterImage.Color = (0, 0, 0), grid: RasterImage.Color = (225, 225, 225)
        let plotWidth = Double(width - left - right)
        let lastDay = max(timeline.points.last?.day ?? 0, 1)
        func x(_ day: Double) -> Double { Double(left) + day / lastDay * plotWidth }
        let title = "PATIENT \(timeline.patientID.uppercased()): \(timeline.points.count) TIME POINTS"
        img.text(title, x: left, y: 10, black)

        /// Axes, grid and tick labels of one panel; returns its y mapping.
        func panel(top y0: Int, maximum: Double, label: String) -> (Double) -> Double {
            let top = Double(y0), bottom = Double(y0 + panelHeight)
            let upper = niceCeiling(maximum)
            func y(_ v: Double) -> Double { bottom - v / upper * (bottom - top) }
            for k in 0...4 {
                let v = upper * Double(k) / 4
                img.line(from: (Double(left), y(v)), to: (Double(width - right), y(v)), grid)
                let text = format(v)
                img.text(text, x: left - 10 - RasterImage.textWidth(text), y: Int(y(v)) - 7, black)
            }
            for day in dayTicks(lastDay) {
                img.line(from: (x(day), bottom), to: (x(day), bottom + 6), black)
                let text = format(day)
                img.text(text, x: Int(x(day)) - RasterImage.textWidth(text) / 2, y: Int(bottom) + 10, black)
            }
            img.line(from: (Double(left), bottom), to: (Double(width - right), bottom), thickness: 1.5, black)
            img.line(from: (Double(left), top), to: (Double(left), bottom), thickness: 1.5, black)
            img.text(label, x: 8, y: Int(top + bottom) / 2 + RasterImage.textWidth(label) / 2, vertical: true, black)
            return y
        }

        // Corona score.
        let scores = timeline.points.map { $0.timePoint.coronaScore }
        let y1 = panel(top: top, maximum: scores.max() ?? 0, label: "CORONA CM3")
        let blue = ROCPlot.palette[0]
        for (a, b) in zip(timeline.points, timeline.points.dropFirst()) {
            img.line(from: (x(a.day), y1(a.timePoint.coronaScore)), to: (x(b.day), y1(b.timePoint.coronaScore)), thickness: 2.5, blue)
        }
        for p in timeline.points {
            img.fill(x: Int(x(p.day)) - 4, y: Int(y1(p.timePoint.coronaScore)) - 4, width: 9, height: 9, blue)
            if let r = p.relativeCoronaScore {
                let text = "X" + format(r)
                img.text(text, x: Int(x(p.day)) - RasterImage.textWidth(text) / 2, y: Int(y1(p.timePoint.coronaScore)) - 24, black)
            }
        }

        // Focal findings, one line per track.
        let top2 = top + panelHeight + gap
        let volumes = timeline.points.flatMap { $0.findings.map(\.volumeCM3) }
        let y2 = panel(top: top2, maximum: volumes.max() ?? 0, label: "FINDING CM3")
        let tracks = Set(timeline.points.flatMap { $0.findings.map(\.track) }).sorted()
        let colours: [RasterImage.Color] = [(214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189), (140, 86, 75), (23, 190, 207)]
        for (n, track) in tracks.enumerated() {
            let colour = colours[n % colours.count]
            let series = timeline.points.compactMap { p in p.findings.first { $0.track == track }.map { (p.day, $0.volumeCM3) } }
            for (a, b) in zip(series, series.dropFirst()) {
                img.line(from: (x(a.0), y2(a.1)), to: (x(b.0), y2(b.1)), thickness: 2, colour)
            }
            for s in series { img.fill(x: Int(x(s.0)) - 3, y: Int(y2(s.1)) - 3, width: 7, height: 7, colour) }
            if let last = series.last, n < 12 {
                img.text("\(track)", x: Int(x(last.0)) + 6, y: Int(y2(last.1)) - 7, colour)
            }
        }
        let xLabel = "DAYS SINCE THE FIRST SCAN"
        img.text(xLabel, x: left + Int(plotWidth) / 2 - RasterImage.textWidth(xLabel) / 2, y: height - 26, black)
        return img
    }

    /// 1, 2 or 5 times a power of ten at or above `v` (1 when v ≤ 0).
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        let power = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * power >= v { return m * power }
        return 10 * power
    }

    static func dayTicks(_ last: Double) -> [Double] {
        let step = max(1, niceCeiling(last / 6))
        return stride(from: 0, through: last + 1e-9, by: step).map { $0 }
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : String(format: v < 10 ? "%.2f" : "%.1f", v)
    }
}

/// The timeline as text: one line per time point, then the notes.
public enum TimelineText {
    public static func lines(_ timeline: Timeline) -> [String] {
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var out = ["Patient \(timeline.patientID): \(timeline.points.count) time point\(timeline.points.count == 1 ? "" : "s")"]
        out.append(cell("date", 12) + cell("day", 7) + cell("Corona", 12) + cell("relative", 10) + cell("positive", 10)
                   + cell("study", 28) + "focal findings (cm³; change since the previous scan)")
        for p in timeline.points {
            let t = p.timePoint
            let date = t.studyDate.count == 8 ? "\(t.studyDate.prefix(4))-\(t.studyDate.dropFirst(4).prefix(2))-\(t.studyDate.suffix(2))" : t.studyDate
            let findings = p.findings.prefix(6).map { f -> String in
                var s = "#\(f.id) " + String(format: "%.2f", f.volumeCM3)
                if let change = f.volumeChangeCM3, let previous = f.previousID {
                    let base = f.volumeCM3 - change
                    s += String(format: " (%+.2f", change) + (base > 0 ? String(format: ", %+.0f %%", 100 * change / base) : "")
                        + " from #\(previous))"
                } else if p.day > 0 {
                    s += " (new)"
                }
                return s
            }.joined(separator: ", ") + (p.findings.count > 6 ? ", … \(p.findings.count - 6) more" : "")
            out.append(cell(date, 12) + cell(String(format: "%.1f", p.day), 7) + cell(String(format: "%.2f cm³", t.coronaScore), 12)
                       + cell(p.relativeCoronaScore.map { String(format: "%.2f", $0) } ?? "–", 10)
                       + cell(String(format: "%.1f %%", 100 * t.positiveRatio), 10) + cell(t.label ?? t.studyID, 28)
                       + (findings.isEmpty ? "none" : findings))
        }
        out += timeline.notes.map { "note: " + $0 }
        return out
    }
}
