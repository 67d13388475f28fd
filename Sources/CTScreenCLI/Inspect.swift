import ArgumentParser
import Foundation
import Volumes

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lists the series under PATH with geometry, HU range and a validation verdict.",
        discussion: "Exits with status 1 when no valid series is found.")

    @Argument(help: "A DICOM series folder, a folder of series, a DICOM file or a NIfTI file.")
    var path: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: .hidden)
    var peakMemory = false

    func run() throws {
        defer { if peakMemory { reportPeakMemory() } }
        let url = URL(fileURLWithPath: path)
        let report: InspectionReport
        do {
            report = try Inspector.inspect(url)
        } catch {
            if json {
                print(String(decoding: try encoder().encode(["path": path, "error": "\(error)"]), as: UTF8.self))
            } else {
                throw CommandFailure.report("inspect", error)
            }
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: try encoder().encode(report), as: UTF8.self))
        } else {
            print(InspectText.render(report), terminator: "")
        }
        if report.validCount == 0 { throw ExitCode(1) }
    }

    private func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }

    /// VmHWM (peak resident set) of this process, for Scripts/bench-ingest.
    private func reportPeakMemory() {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? "VmHWM: unknown"
        FileHandle.standardError.write(Data("peak \(line)\n".utf8))
    }
}

/// Human-readable rendering of an inspection.
enum InspectText {
    static func render(_ r: InspectionReport) -> String {
        let kind = ["dicomFolder": "DICOM folder", "dicomFile": "DICOM file", "nifti": "NIfTI file"][r.kind.rawValue]!
        var out = "\(r.path): \(kind), \(r.series.count) series, \(r.validCount) valid\n"
        for s in r.series {
            let title = s.seriesInstanceUID.isEmpty ? s.source : s.seriesInstanceUID
            out += "\nSeries \(title)\n"
            out += "  modality \(or(s.modality)), description \(or(s.seriesDescription))\n"
            out += "  patient \(or(s.patientID)), study date \(or(s.studyDate)), manufacturer \(or(s.manufacturer)), kernel \(or(s.convolutionKernel))\n"
            out += "  files \(s.fileCount)" + (s.transferSyntaxUID.isEmpty ? "" : ", transfer syntax \(s.transferSyntaxUID)") + "\n"
            if let size = s.size, let g = s.geometry {
                out += "  size \(size.columns) x \(size.rows) x \(size.slices) (columns x rows x slices)\n"
                out += "  spacing \(num(g.spacing.x)) x \(num(g.spacing.y)) x \(num(g.spacing.z)) mm\n"
                out += "  origin \(vec(g.origin)) mm (LPS)\n"
                out += "  directions row \(vec(g.rowDirection)), column \(vec(g.columnDirection)), slice \(vec(g.sliceDirection))\n"
            }
            if let lo = s.huMin, let hi = s.huMax { out += "  HU range \(lo) ... \(hi)\n" }
            out += "  verdict: \(s.verdict)\n"
        }
        if !r.problems.isEmpty {
            out += "\nUnreadable files (\(r.problems.count)):\n"
            for p in r.problems { out += "  \(p)\n" }
        }
        if !r.copies.isEmpty {
            out += "\nLeft out as copies of an image already listed (same SOPInstanceUID) (\(r.copies.count)):\n"
            for p in r.copies.prefix(10) { out += "  \(p)\n" }
            if r.copies.count > 10 { out += "  … and \(r.copies.count - 10) more\n" }
        }
        return out
    }

    static func or(_ s: String) -> String { s.isEmpty ? "-" : s }
    static func num(_ x: Double) -> String { String(format: "%g", x) }
    static func vec(_ v: SIMD3<Double>) -> String { "(\(num(v.x)), \(num(v.y)), \(num(v.z)))" }
}
