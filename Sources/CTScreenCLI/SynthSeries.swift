import ArgumentParser
import Foundation
import Volumes

/// Writes a synthetic chest-like CT series slice by slice (for benchmarks; hidden).
struct SynthSeries: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-series",
        abstract: "Writes a synthetic CT series (one DICOM file per slice) for benchmarks.",
        shouldDisplay: false)

    @Option(help: "Output folder (created).") var output: String
    @Option(help: "Number of slices.") var slices = 500
    @Option(help: "Rows and columns.") var size = 512
    @Option(help: "Slice spacing in mm.") var spacing = 1.0

    func validate() throws {
        guard slices > 0, size > 0, size <= 4096, spacing > 0 else {
            throw ValidationError("slices, size and spacing must be positive (size at most 4096)")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let study = DICOMWriter.generateUID(), series = DICOMWriter.generateUID()
        let n = size
        let pixel = 350.0 / Double(n)
        var plane = [Int16](repeating: -1000, count: n * n)
        for k in 0..<slices {
            // Body ellipse of soft tissue with two air-filled lungs whose size changes along z.
            let t = Double(k) / Double(max(1, slices - 1))
            let lung = 0.25 + 0.1 * sin(Double.pi * t)
            for r in 0..<n {
                for c in 0..<n {
                    let x = (Double(c) + 0.5) / Double(n) * 2 - 1, y = (Double(r) + 0.5) / Double(n) * 2 - 1
                    var hu: Int16 = -1000
                    if x * x / 0.81 + y * y / 0.49 < 1 { hu = 40 }
                    for side in [-0.4, 0.4] where (x - side) * (x - side) / (lung * lung) + y * y / 0.25 < 1 {
                        hu = -850
                    }
                    plane[r * n + c] = hu
                }
            }
            let spec = DICOMSliceSpec(rows: n, columns: n, pixelSpacing: [pixel, pixel],
                                      position: [-175, -175, Double(k) * spacing], sliceThickness: spacing,
                                      instanceNumber: k + 1, patientID: "SYNTH-1", studyDate: "20260101",
                                      studyInstanceUID: study, seriesInstanceUID: series,
                                      seriesDescription: "synthetic chest phantom")
            try DICOMWriter.writeSlice(plane, spec: spec,
                                       to: folder.appendingPathComponent(String(format: "slice-%04d.dcm", k + 1)))
        }
        print("wrote \(slices) slices of \(n)x\(n) to \(folder.path)")
    }
}
