import ArgumentParser
import Volumes

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lists the series under PATH with geometry, HU range and a validation verdict.")

    @Argument(help: "A DICOM series folder, a folder of series, a DICOM file or a NIfTI file.")
    var path: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        throw ValidationError("inspect: not implemented yet")
    }
}
