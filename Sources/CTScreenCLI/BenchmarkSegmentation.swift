import ArgumentParser
import Foundation
import Segmentation
import Volumes

/// Times the classical lung segmentation on one study, per step (the read is not timed).
struct BenchmarkSegmentation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-segmentation",
        abstract: "Times the classical lung segmentation of a DICOM series, step by step.",
        shouldDisplay: false)

    @Argument(help: "A DICOM series folder.")
    var study: String

    @Option(help: "Timed runs.")
    var runs = 3

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let volume = try DICOMSeriesReader.read(URL(fileURLWithPath: study))
        let s = volume.size
        print("\(study): \(s.columns)x\(s.rows)x\(s.slices), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        for run in 1...runs {
            var steps: [String] = []
            let cpu0 = Self.cpuSeconds(), start = Date()
            var cpuMark = cpu0
            let lungs = try LungSegmenter().segment(volume) { name, seconds in
                let cpu = Self.cpuSeconds()
                steps.append(String(format: "%@ %.2f/%.2f", name, seconds, cpu - cpuMark))
                cpuMark = cpu
            }
            let wall = Date().timeIntervalSince(start), cpu = Self.cpuSeconds() - cpu0
            print(String(format: "run %d: %.2f s wall, %.2f s CPU (wall/CPU s per step: %@); lungs %.2f L, %d lung slices",
                         run, wall, cpu, steps.joined(separator: ", "), lungs.volumeLitres,
                         lungs.lungSlices.count))
        }
    }

    /// User + system CPU time of this process, all threads.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }
}
