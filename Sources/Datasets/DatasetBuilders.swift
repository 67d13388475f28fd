import Foundation

/// Builders of `Dataset`s from the three kinds of training data. Paths in the samples are
/// absolute (standardised) so a data set can be stored and reloaded anywhere.
public enum DatasetBuilder {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]

    /// Image files directly inside `folder`, sorted by name (deterministic order).
    public static func imageFiles(in folder: URL) throws -> [URL] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw DatasetError.invalidData(source: folder.path, reason: "cannot list the folder: \(error.localizedDescription)")
        }
        return names.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { folder.appendingPathComponent($0).standardizedFileURL }
    }

    /// (a) 2D images with the label from their folder: `classes` maps a sub-folder name of
    /// `root` to its label, e.g. ["CT_COVID": true, "CT_NonCOVID": false].
    public static func imageFolders(root: URL, classes: [String: Bool], grouping: GroupRule,
                                    name: String? = nil) throws -> Dataset {
        var samples: [Sample] = []
        for folder in classes.keys.sorted() {
            let label = classes[folder] ?? false
            let files = try imageFiles(in: root.appendingPathComponent(folder))
            guard !files.isEmpty else { throw DatasetError.invalidData(source: root.appendingPathComponent(folder).path, reason: "no JPEG/PNG images") }
            samples += files.map {
                Sample(source: .image(path: $0.path), label: label,
                       group: grouping.group(folder: folder, file: $0.lastPathComponent))
            }
        }
        return Dataset(name: name ?? root.lastPathComponent, samples: samples)
    }

    /// The UCSD-AI4H COVID-CT set (`CT_COVID`, `CT_NonCOVID`) grouped by patient (throws when
    /// the shipped patient table is missing or unreadable).
    public static func ucsdCovidCT(root: URL) throws -> Dataset {
        try imageFolders(root: root, classes: ["CT_COVID": true, "CT_NonCOVID": false],
                         grouping: try .ucsdCovidCT, name: "ucsd-covid-ct")
    }

    /// (a) 2D images listed in a CSV with columns `path,label[,group]`; paths relative to
    /// the CSV's folder unless absolute; without a group column each file is its own group.
    public static func imageTable(csv: URL, name: String? = nil) throws -> Dataset {
        let table = try CSVTable.read(path: csv.path)
        let p = try table.column("path"), l = try table.column("label")
        let g = table.columns.firstIndex(of: "group")
        let base = csv.deletingLastPathComponent()
        let samples = try table.rows.enumerated().map { n, row -> Sample in
            let url = row[p].hasPrefix("/") ? URL(fileURLWithPath: row[p]) : base.appendingPathComponent(row[p])
            let group = g.map { row[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? url.standardizedFileURL.path
            return Sample(source: .image(path: url.standardizedFileURL.path),
                          label: try CSVTable.label(row[l], line: table.line(ofRow: n), source: csv.path), group: group)
        }
        return Dataset(name: name ?? csv.deletingPathExtension().lastPathComponent, samples: samples)
    }

    /// (b) Slices with infection masks: every image in `images` paired with the mask of the
    /// same stem in `masks` (any image extension); label = the mask has a non-zero pixel.
    /// Images without a mask are an error (a silent drop would bias the labels).
    /// `orientation` says how each image file lies (see `SliceOrientation`).
    public static func maskedSlices(images: URL, masks: URL, grouping: GroupRule, name: String? = nil,
                                    orientation: (String) -> SliceOrientation = { _ in .upright }) throws -> Dataset {
        let maskFiles = try imageFiles(in: masks)
        var maskByStem: [String: URL] = [:]
        for m in maskFiles { maskByStem[m.deletingPathExtension().lastPathComponent] = m }
        let folder = images.deletingLastPathComponent().lastPathComponent
        let samples = try imageFiles(in: images).map { image -> Sample in
            let stem = image.deletingPathExtension().lastPathComponent
            guard let mask = maskByStem[stem] else {
                throw DatasetError.invalidData(source: image.path, reason: "no mask named \(stem).* in \(masks.path)")
            }
            return Sample(source: .maskedImage(image: image.path, mask: mask.path),
                          label: try ImageFile.hasNonZeroPixel(mask.path),
                          group: grouping.group(folder: folder, file: image.lastPathComponent),
                          orientation: orientation(image.path))
        }
        return Dataset(name: name ?? folder, samples: samples)
    }

    /// COVID-19-CT-Seg as released with Inf-Net (`images/`, `infection-pseudo-masks/`):
    /// grouped by patient (Coronacases volume or Radiopaedia case), turned upright.
    public static func covid19CTSeg(root: URL) throws -> Dataset {
        try maskedSlices(images: root.appendingPathComponent("images"), masks: root.appendingPathComponent("infection-pseudo-masks"),
                         grouping: .covid19CTSeg, name: "covid19-ct-seg", orientation: SliceOrientation.covid19CTSeg(file:))
    }

    /// MedSeg COVID-19 as released with Inf-Net (`images/`, `infection-masks/`): no patient
    /// ids, so one group; every slice lies with the spine on the right and is turned upright.
    public static func medseg(root: URL) throws -> Dataset {
        try maskedSlices(images: root.appendingPathComponent("images"), masks: root.appendingPathComponent("infection-masks"),
                         grouping: .wholeFolder, name: "medseg-covid19", orientation: { _ in .spineRight })
    }

    /// (c) Volume slices listed in a CSV with columns `volume,slice,label[,group]`: `volume`
    /// a DICOM series folder or NIfTI file (relative to the CSV's folder unless absolute),
    /// `slice` the 0-based index in the volume as the Volumes readers order it (DICOM:
    /// sorted along the slice normal). The group defaults to the volume.
    public static func volumeSlices(csv: URL, name: String? = nil) throws -> Dataset {
        let table = try CSVTable.read(path: csv.path)
        let v = try table.column("volume"), s = try table.column("slice"), l = try table.column("label")
        let g = table.columns.firstIndex(of: "group")
        let base = csv.deletingLastPathComponent()
        let samples = try table.rows.enumerated().map { n, row -> Sample in
            let url = (row[v].hasPrefix("/") ? URL(fileURLWithPath: row[v]) : base.appendingPathComponent(row[v]))
                .standardizedFileURL
            guard let slice = Int(row[s]), slice >= 0 else {
                throw DatasetError.unreadableTable(path: csv.path, reason: "line \(table.line(ofRow: n)): slice '\(row[s])' is not an index ≥ 0")
            }
            let group = g.map { row[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? url.path
            return Sample(source: .volumeSlice(volume: url.path, slice: slice),
                          label: try CSVTable.label(row[l], line: table.line(ofRow: n), source: csv.path), group: group)
        }
        return Dataset(name: name ?? csv.deletingPathExtension().lastPathComponent, samples: samples)
    }
}
