import ArgumentParser
import Foundation
import Phantom
import Segmentation
import Volumes

struct PhantomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phantom",
        abstract: "Writes a synthetic chest CT (a DICOM series, not a patient) with its ground-truth lung and lesion masks.",
        discussion: """
            DIR/dicom/ holds the series; DIR/lung-mask.nii.gz and DIR/lesion-mask.nii.gz the ground truth \
            on the same grid (lesion labels: 1 ground glass, 2 consolidation); DIR/phantom.json the \
            seed, geometry and every lesion with its exact volume in cm³ and axial diameters in mm. \
            A follow-up scan of the same phantom patient: the same --seed and --lesion-room with \
            other --lesion-growth factors (lesions grown or shrunk about fixed centres).
            """)

    @Option(help: "Output folder (created if needed).")
    var out: String

    @Option(help: "Number of slices.")
    var slices = 160

    @Option(help: "Rows and columns of each slice.")
    var matrix = 512

    @Option(help: "In-plane pixel spacing (mm).")
    var spacing = 0.7

    @Option(help: "Slice thickness = slice spacing (mm).")
    var thickness = 1.5

    @Option(help: "Seed of the noise, vessels and lesion placement.")
    var seed: UInt64 = 1

    @Option(name: .customLong("ground-glass"), help: "Number of ground-glass lesions (−700…−300 HU).")
    var groundGlass = 0

    @Option(help: "Number of consolidation lesions (−100…+50 HU).")
    var consolidation = 0

    @Option(name: .customLong("study-date"), help: "DICOM StudyDate, YYYYMMDD (follow-up scans of the phantom patient PHANTOM-<seed> differ by it).")
    var studyDate = "20200101"

    @Option(name: .customLong("lesion-room"),
            help: "Place lesions with room to grow up to this factor (follow-up series: same seed and room, other --lesion-growth).")
    var lesionRoom = 1.0

    @Option(name: .customLong("lesion-growth"), parsing: .upToNextOption,
            help: "Size factor per lesion in placement order (the last repeats; each at most --lesion-room), e.g. 1 0.5 2.")
    var lesionGrowth: [Double] = []

    func validate() throws {
        guard (10...2000).contains(slices) else { throw ValidationError("--slices must be within 10...2000") }
        guard (16...2048).contains(matrix) else { throw ValidationError("--matrix must be within 16...2048") }
        guard spacing > 0, spacing <= 10 else { throw ValidationError("--spacing must be in (0, 10] mm") }
        guard thickness > 0, thickness <= 20 else { throw ValidationError("--thickness must be in (0, 20] mm") }
        guard (0...20).contains(groundGlass), (0...20).contains(consolidation) else {
            throw ValidationError("--ground-glass and --consolidation must be within 0...20")
        }
        guard studyDate.count == 8, studyDate.allSatisfy(\.isNumber) else { throw ValidationError("--study-date must be YYYYMMDD") }
        guard lesionRoom >= 1, lesionRoom <= 4 else { throw ValidationError("--lesion-room must be within 1...4") }
        guard lesionGrowth.allSatisfy({ $0 > 0 && $0 <= lesionRoom }) else {
            throw ValidationError("--lesion-growth factors must be in (0, --lesion-room]")
        }
    }

    var settings: PhantomSettings {
        var s = PhantomSettings()
        s.columns = matrix; s.rows = matrix; s.slices = slices
        s.pixelSpacing = spacing; s.sliceThickness = thickness; s.seed = seed
        s.groundGlassCount = groundGlass; s.consolidationCount = consolidation
        s.lesionRoom = lesionRoom; s.lesionGrowth = lesionGrowth; s.studyDate = studyDate
        return s
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        let phantom = PhantomGenerator.make(settings)
        try PhantomFiles.write(phantom, to: folder)
        print(String(format: "phantom seed %llu: %dx%dx%d, %.3g mm pixels, %.3g mm slices, lungs %.2f L, "
                     + "%d lesions %.2f cm³ → %@", seed, matrix, matrix, slices, spacing, thickness,
                     phantom.lungMask.volumeMM3 / 1e6, phantom.lesions.count,
                     phantom.analyticLesionVolumeCM3, folder.path))
    }
}

/// The files of a phantom folder.
enum PhantomFiles {
    static func write(_ phantom: Phantom, to folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PhantomError("cannot create \(folder.path): \(error.localizedDescription)")
        }
        try DICOMWriter.writeSeries(phantom.volume, to: folder.appendingPathComponent("dicom"))
        let g = phantom.volume.geometry
        try NIfTI.write(voxels: phantom.lungMask.voxels, size: phantom.lungMask.size, geometry: g,
                        to: folder.appendingPathComponent("lung-mask.nii.gz"),
                        description: "phantom lungs (truth), not a patient")
        try NIfTI.write(voxels: phantom.lesionMask.voxels, size: phantom.lesionMask.size, geometry: g,
                        to: folder.appendingPathComponent("lesion-mask.nii.gz"),
                        description: "phantom lesions 1=ground glass 2=consolidation")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(PhantomReport(phantom))
        do {
            try data.write(to: folder.appendingPathComponent("phantom.json"))
        } catch {
            throw PhantomError("cannot write \(folder.path)/phantom.json: \(error.localizedDescription)")
        }
    }
}

/// A phantom folder that cannot be written.
struct PhantomError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = "phantom: " + message }
}

/// DIR/phantom.json.
struct PhantomReport: Encodable {
    struct Lesion: Encodable {
        var kind: String
        var centreMM: [Double]
        var semiAxesMM: [Double]
        var hu: Double
        var touchesPleura: Bool
        var volumeCM3: Double
        /// Axial RECIST diameters of the section through the centre (mm).
        var longestDiameterMM: Double
        var perpendicularDiameterMM: Double
        var label: Int
    }
    struct Grid: Encodable {
        var columns, rows, slices: Int
        var spacingMM: [Double]
        var originMM: [Double]
        var frame = "DICOM LPS; slice 0 is the most inferior"
    }
    var note = "Synthetic chest phantom generated by ctscreen: not a patient, not for clinical use."
    var seed: UInt64
    var grid: Grid
    var settings: PhantomSettings
    var lungVolumeLitres: Double
    var lesions: [Lesion]
    var lesionVolumeCM3: Double
    var rasterisedLesionVolumeCM3: Double
    var files = ["dicom/", "lung-mask.nii.gz", "lesion-mask.nii.gz"]

    init(_ p: Phantom) {
        let g = p.volume.geometry, s = p.volume.size
        seed = p.settings.seed
        grid = Grid(columns: s.columns, rows: s.rows, slices: s.slices,
                    spacingMM: [g.spacing.x, g.spacing.y, g.spacing.z],
                    originMM: [g.origin.x, g.origin.y, g.origin.z])
        settings = p.settings
        lungVolumeLitres = p.lungMask.volumeMM3 / 1e6
        lesions = p.lesions.map {
            Lesion(kind: $0.kind.rawValue, centreMM: [$0.centre.x, $0.centre.y, $0.centre.z],
                   semiAxesMM: [$0.semiAxes.x, $0.semiAxes.y, $0.semiAxes.z], hu: $0.hu,
                   touchesPleura: $0.touchesPleura, volumeCM3: $0.volumeCM3,
                   longestDiameterMM: $0.longestDiameterMM, perpendicularDiameterMM: $0.perpendicularDiameterMM,
                   label: Int($0.kind.label))
        }
        lesionVolumeCM3 = p.analyticLesionVolumeCM3
        rasterisedLesionVolumeCM3 = p.rasterisedLesionVolumeCM3
    }
}
