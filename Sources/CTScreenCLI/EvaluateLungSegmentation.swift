import ArgumentParser
import Foundation
import Imaging
import LungModel
import NeuralEngine
import Phantom
import Preparation
import Screening
import Segmentation
import Volumes

/// `ctscreen evaluate-lungseg`: lung masks of the classical method and the U-Net against
/// references, with Dice and surface distances, and pictures side by side.
struct EvaluateLungSegmentation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-lungseg",
        abstract: "Measures lung segmentation (classical, and the U-Net with --lung-model) against references: Dice, HD95, mean surface distance.",
        discussion: """
        References: synthetic chests (true lungs, consolidations included; seeds 2001…, never \
        used in training) and, for each --volume, the study with dense opacities painted into \
        every lung slice, its reference being the classical mask of the unpainted study (so the \
        question is what each method does with consolidated lung). "opacity kept": the share of \
        the lesion or painted voxels inside each method's mask. Writes OUT/evaluation.json and \
        OUT/<case>.png: the slice where the methods disagree most with the reference (white), the \
        classical (magenta) and the U-Net (green) outlines side by side; and OUT/<case>-opacities.png, \
        the slice where they leave most of the opacity (phantom lesions, painted blobs) out.
        """)

    @Option(help: "U-Net weights (`ctscreen train-lungseg`); without it only the classical method is measured.")
    var lungModel: String?

    @Option(help: "Synthetic chests to measure on (seeds 2001…).")
    var phantoms = 3

    @Option(parsing: .upToNextOption, help: "CT studies to paint opacities into and measure on.")
    var volume: [String] = []

    @Option(name: .customLong("paint-blobs"), help: "Opacities painted per lung slice of each study.")
    var paintBlobs = 2

    @Option(help: "Output folder.")
    var out = "lungseg-evaluation"

    @OptionGroup var engine: EngineOptions

    struct Row: Encodable {
        var study: String
        var method: String
        var dice: Double
        var hd95: Double?
        var meanSurfaceDistance: Double?
        var lungLitres: Double
        var referenceLitres: Double
        /// Share of the opacity voxels (phantom lesions, painted blobs) inside the mask: the
        /// consolidated lung a threshold method loses shows here more than in Dice.
        var opacityKept: Double?
    }

    func run() throws {
        try reportingErrors("evaluate-lungseg") {
            EngineThreads.set(engine.threads)
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let unet = try lungModel.map { try UNetLungSegmenter(weightsPath: $0, studyID: "evaluation") }
            var rows: [Row] = []
            var cases: [(name: String, volume: Volume, reference: BinaryMask, opacity: [Int])] = []
            for seed in (phantoms > 0 ? Array(2001...(2000 + phantoms)) : []) {
                var s = PhantomSettings.small(seed: UInt64(seed), groundGlass: seed % 3 + 1, consolidation: seed % 4 + 2)
                s.columns = 256; s.rows = 256; s.pixelSpacing = 1.4
                let p = PhantomGenerator.make(s)
                cases.append(("phantom-\(seed)", p.volume, p.lungMask, p.lesionMask.voxels.indices.filter { p.lesionMask.voxels[$0] != 0 }))
            }
            for path in volume {
                let clean = try StudyFile.read(path)
                let reference = try LungSegmenter().segment(clean).mask
                var painted = clean
                var rng = SplitMix64(seed: 7)
                var opacity: [Int] = []
                let plane = clean.size.sliceCount
                for k in 0..<clean.size.slices {
                    let lung = Array(reference.voxels[(k * plane)..<((k + 1) * plane)])
                    guard lung.contains(where: { $0 != 0 }) else { continue }
                    var hu = Array(clean.slice(k))
                    opacity += ConsolidationPainting.paint(&hu, lung: lung, rows: clean.size.rows, columns: clean.size.columns,
                                                spacing: clean.geometry.spacing.x, blobs: paintBlobs, rng: &rng)
                        .map { k * plane + $0 }
                    painted.voxels.replaceSubrange((k * plane)..<((k + 1) * plane), with: hu)
                }
                cases.append((StudyFile.name(of: path) + "+paint", painted, reference, opacity))
            }
            for (name, v, reference, opacity) in cases {
                var masks: [(String, BinaryMask)] = [("classical", try LungSegmenter().segment(v).mask)]
                if let unet { masks.append(("U-Net", try unet.segmentMask(v))) }
                for (method, mask) in masks {
                    let m = MaskAgreement(mask, reference: reference)
                    let kept = opacity.isEmpty ? nil : Double(opacity.filter { mask.voxels[$0] != 0 }.count) / Double(opacity.count)
                    rows.append(Row(study: name, method: method, dice: m.dice, hd95: m.hd95.isFinite ? m.hd95 : nil,
                                    meanSurfaceDistance: m.meanSurfaceDistance.isFinite ? m.meanSurfaceDistance : nil,
                                    lungLitres: mask.volumeMM3 / 1e6, referenceLitres: reference.volumeMM3 / 1e6, opacityKept: kept))
                    print(String(format: "%-40@ %-9@ Dice %.4f  HD95 %6.2f mm  mean %5.2f mm  lungs %.2f l (reference %.2f l)  opacity kept %@",
                                 name as NSString, method as NSString, m.dice, m.hd95, m.meanSurfaceDistance,
                                 mask.volumeMM3 / 1e6, reference.volumeMM3 / 1e6,
                                 (kept.map { String(format: "%.1f %%", 100 * $0) } ?? "-") as NSString))
                }
                try PNGFile.write(Self.picture(v, reference: reference, masks: masks.map(\.1)),
                                  to: folder.appendingPathComponent("\(name).png").path)
                if !opacity.isEmpty {
                    try PNGFile.write(Self.picture(v, reference: reference, masks: masks.map(\.1), opacity: opacity),
                                      to: folder.appendingPathComponent("\(name)-opacities.png").path)
                }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: folder.appendingPathComponent("evaluation.json"))
            print("outputs: \(folder.path)/ evaluation.json, two pictures per case (<case>.png, <case>-opacities.png)")
        }
    }

    /// The slice where the methods disagree most with the reference (or, given the opacity
    /// voxels, where they leave most of the opacity out): the lung window with the reference
    /// outline in white, each method's in its colour, one panel per method.
    static func picture(_ v: Volume, reference: BinaryMask, masks: [BinaryMask], opacity: [Int] = []) -> PNGFile.Image {
        let s = v.size, plane = s.sliceCount
        var disagreement = [Int](repeating: 0, count: s.slices)
        if opacity.isEmpty {
            // Voxels of each slice where a method and the reference differ, per method.
            for k in 0..<s.slices {
                disagreement[k] = masks.reduce(0) { total, m in
                    total + (0..<plane).reduce(0) { $0 + (m.voxels[k * plane + $1] != reference.voxels[k * plane + $1] ? 1 : 0) }
                }
            }
        } else {
            for i in opacity { disagreement[i / plane] += masks.filter { $0.voxels[i] == 0 }.count }
        }
        let k = disagreement.indices.max { disagreement[$0] < disagreement[$1] } ?? 0
        let colours: [(UInt8, UInt8, UInt8)] = [(255, 0, 255), (0, 255, 0)]
        var panels: [PNGFile.Image] = []
        for (n, m) in masks.enumerated() {
            var rgb = [UInt8](repeating: 0, count: plane * 3)
            for i in 0..<plane {
                let g = UInt8((SlicePreparation.window(v.voxels[k * plane + i], low: -1350, high: 150) * 255).rounded())
                rgb[3 * i] = g; rgb[3 * i + 1] = g; rgb[3 * i + 2] = g
            }
            Overlay.outline(&rgb, rows: s.rows, columns: s.columns, colour: (255, 255, 255)) { reference.voxels[k * plane + $0] != 0 }
            Overlay.outline(&rgb, rows: s.rows, columns: s.columns, colour: colours[n % 2]) { m.voxels[k * plane + $0] != 0 }
            panels.append(PNGFile.Image(width: s.columns, height: s.rows, channels: 3, pixels: rgb))
        }
        return Overlay.montage(panels, tile: max(s.rows, s.columns), columns: panels.count)
    }
}
