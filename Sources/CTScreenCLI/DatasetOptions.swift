import ArgumentParser
import Datasets
import Foundation

/// The labelled data sets `train` learns from and `predict` scores, chosen by flags and merged.
struct DatasetOptions: ParsableArguments {
    @Option(help: "UCSD-AI4H COVID-CT folder (CT_COVID, CT_NonCOVID), grouped by patient.")
    var ucsd: String?
    @Option(name: .customLong("covid19-ct-seg"), help: "COVID-19-CT-Seg slices folder (images, infection-pseudo-masks).")
    var covid19CTSeg: String?
    @Option(help: "MedSeg COVID-19 folder (images, infection-masks); one group.")
    var medseg: String?
    @Option(name: .customLong("covid-ct-md"), help: "COVID-CT-MD folder (one DICOM series per volume + labels.csv); slices cropped to the lung region, grouped by volume.")
    var covidCTMD: String?
    @Option(name: .customLong("image-csv"), parsing: .singleValue, help: "CSV of 2D images (path,label[,group]); repeatable.")
    var imageCSVs: [String] = []
    @Option(name: .customLong("volume-csv"), parsing: .singleValue,
            help: "CSV of volume slices (volume,slice,label[,group]); repeatable. Slices are cropped to the lung region.")
    var volumeCSVs: [String] = []
    @Option(name: .customLong("max-per-group"),
            help: "At most this many samples per patient or volume, evenly spaced (before any split).")
    var maxPerGroup: Int?
    @Flag(name: .customLong("left-out-by-cap"),
          help: "Take, per group, the samples --max-per-group leaves out instead of those it keeps (validation slices that an evaluation capped at the same number never sees).")
    var leftOutByCap = false

    var isEmpty: Bool { ucsd == nil && covid19CTSeg == nil && medseg == nil && covidCTMD == nil && imageCSVs.isEmpty && volumeCSVs.isEmpty }

    /// Whether any chosen set holds volume slices (they need the lung segmenter).
    var hasVolumes: Bool { covidCTMD != nil || !volumeCSVs.isEmpty }

    func validate() throws {
        if let c = maxPerGroup, c <= 0 { throw ValidationError("--max-per-group must be positive") }
        if leftOutByCap && maxPerGroup == nil { throw ValidationError("--left-out-by-cap needs --max-per-group") }
    }

    /// The chosen sets merged (groups prefixed by the set's name), capped per group (or, with
    /// --left-out-by-cap, what the cap leaves out).
    func dataset() throws -> Dataset {
        var sets: [Dataset] = []
        if let p = ucsd { sets.append(try DatasetBuilder.ucsdCovidCT(root: URL(fileURLWithPath: p))) }
        if let p = covid19CTSeg { sets.append(try DatasetBuilder.covid19CTSeg(root: URL(fileURLWithPath: p))) }
        if let p = medseg { sets.append(try DatasetBuilder.medseg(root: URL(fileURLWithPath: p))) }
        if let p = covidCTMD { sets.append(try DatasetBuilder.covidCTMD(root: URL(fileURLWithPath: p))) }
        for p in imageCSVs { sets.append(try DatasetBuilder.imageTable(csv: URL(fileURLWithPath: p))) }
        for p in volumeCSVs { sets.append(try DatasetBuilder.volumeSlices(csv: URL(fileURLWithPath: p))) }
        let all = sets.count == 1 ? sets[0] : Dataset.merged(sets, name: "merged")
        guard let cap = maxPerGroup else { return all }
        return leftOutByCap ? all.leftOut(byCap: cap) : all.capped(perGroup: cap)
    }
}
