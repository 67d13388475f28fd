import ArgumentParser
import Cluster
import Foundation
import Volumes

/// `ctscreen cut-series`: a run of consecutive slices of a real study as a new DICOM series
/// (new UIDs, so each cut is a study of its own). Load runs and fault drills use it to make
/// many distinct real studies from a few; hidden.
struct CutSeries: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cut-series",
        abstract: "Writes slices [first, first + count) of a study as a new DICOM series with new UIDs.",
        shouldDisplay: false)

    @Argument(help: "A DICOM folder or NIfTI file.") var input: String
    @Option(help: "Output folder (created).") var out: String
    @Option(help: "First slice (0-based).") var first = 0
    @Option(help: "Number of slices.") var count = 40

    func validate() throws {
        guard first >= 0, count >= 1 else { throw ValidationError("--first must be ≥ 0 and --count ≥ 1") }
    }

    func run() throws {
        let volume = try FileStudyReader().read([input])
        let size = volume.size
        guard first + count <= size.slices else {
            throw ValidationError("\(input) has \(size.slices) slices; [\(first), \(first + count)) does not fit")
        }
        var geometry = volume.geometry
        geometry.origin = geometry.position(column: 0, row: 0, slice: Double(first))
        var metadata = volume.metadata
        metadata.studyInstanceUID = ""  // fresh UIDs: a study of its own
        metadata.seriesInstanceUID = ""
        let plane = size.sliceCount
        let cut = Volume(size: VolumeSize(columns: size.columns, rows: size.rows, slices: count), geometry: geometry,
                         metadata: metadata, voxels: Array(volume.voxels[(first * plane)..<((first + count) * plane)]))
        try DICOMWriter.writeSeries(cut, to: URL(fileURLWithPath: out))
        print("\(out): slices \(first)..<\(first + count) of \(input)")
    }
}
