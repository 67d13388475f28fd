import Clustering
import Evaluation
import Foundation
import Screening

extension ClusterOutputs {
    /// Two panels over the first two principal components: slices coloured by cluster, and by
    /// the given labels (else by the classifier's call), each with its legend.
    static func scatter(_ r: SliceClustering, labels: [String: String]?) -> RasterImage {
        let panel = 520, height = 560, top = 60, margin = 40
        var image = RasterImage(width: 2 * panel, height: height)
        let black: RasterImage.Color = (0, 0, 0)
        image.text("SLICES IN THE FEATURE SPACE (PCA OF Z-SCORED GRADIENT-WEIGHTED FEATURES)", x: 20, y: 12, black)
        let xs = r.entries.map(\.pc1), ys = r.entries.map(\.pc2)
        let (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        func at(_ e: SliceClustering.Entry, _ offset: Int) -> (Double, Double) {
            let w = Double(panel - 2 * margin), h = Double(height - top - 2 * margin)
            let x = Double(offset + margin) + (x1 > x0 ? (e.pc1 - x0) / (x1 - x0) : 0.5) * w
            let y = Double(top + margin) + (y1 > y0 ? (y1 - e.pc2) / (y1 - y0) : 0.5) * h
            return (x, y)
        }
        // Second panel's groups: labels when given (sorted), else negative / positive.
        let labelOf: (SliceClustering.Entry) -> String = { e in
            guard labels != nil else { return e.positive ? "called positive" : "called negative" }
            return ClusterOutputs.label(labels, r.studies[e.study], slice: e.slice) ?? "no label"
        }
        let groups = Array(Set(r.entries.map(labelOf))).sorted()
        let groupColour: (String) -> RasterImage.Color = { g in
            labels == nil ? (g == "called positive" ? (214, 39, 40) : (31, 119, 180)) : palette[groups.firstIndex(of: g)! % palette.count]
        }
        for (offset, title) in [(0, "BY CLUSTER"), (panel, labels == nil ? "BY THE CLASSIFIER'S CALL" : "BY LABEL")] {
            image.text(title, x: offset + margin, y: 36, black)
            image.line(from: (Double(offset + margin), Double(height - margin)), to: (Double(offset + panel - margin), Double(height - margin)), black)
            image.line(from: (Double(offset + margin), Double(top + margin)), to: (Double(offset + margin), Double(height - margin)), black)
            image.text(String(format: "PC1 %.0f%%", 100 * (r.pca.explainedVarianceRatio.first ?? 0)), x: offset + panel - margin - 90,
                       y: height - margin + 8, scale: 2, black)
            image.text(String(format: "PC2 %.0f%%", 100 * (r.pca.explainedVarianceRatio.dropFirst().first ?? 0)),
                       x: offset + 8, y: top + margin + 90, scale: 2, vertical: true, black)
        }
        for e in r.entries {
            let a = at(e, 0), b = at(e, panel)
            image.line(from: a, to: a, thickness: 6, palette[e.cluster % palette.count])
            image.line(from: b, to: b, thickness: 6, groupColour(labelOf(e)))
        }
        for c in 0..<r.k {
            image.fill(x: panel - 150, y: top + 8 + 18 * c, width: 12, height: 12, palette[c % palette.count])
            image.text("CLUSTER \(c + 1)", x: panel - 132, y: top + 8 + 18 * c, black)
        }
        for (i, g) in groups.prefix(10).enumerated() {
            image.fill(x: 2 * panel - 200, y: top + 8 + 18 * i, width: 12, height: 12, groupColour(g))
            image.text(String(g.prefix(14)), x: 2 * panel - 182, y: top + 8 + 18 * i, black)
        }
        return image
    }

    /// One row per cluster: its make-up, then the slices nearest its centre (thumbnails of
    /// their lung crops, twice their stored size), each captioned study#slice.
    static func montage(_ r: SliceClustering) throws -> RasterImage {
        let side = 2 * StudyOutputs.thumbnailSide, gap = 8, header = 28, caption = 14
        let perRow = r.representatives.map(\.count).max() ?? 0
        let rowHeight = header + side + caption + gap
        var image = RasterImage(width: max(600, gap + perRow * (side + gap)), height: gap + r.k * rowHeight, background: (0, 0, 0))
        let white: RasterImage.Color = (255, 255, 255)
        var thumbnails: [Int: NPYFile.Array] = [:]
        for c in 0..<r.k {
            let y = gap + c * rowHeight
            let members = r.entries.filter { $0.cluster == c }
            image.fill(x: gap, y: y + 4, width: 14, height: 14, palette[c % palette.count])
            image.text(String(format: "CLUSTER %d: %d SLICES, %.0f%% CALLED POSITIVE", c + 1, members.count,
                              100 * Double(members.filter(\.positive).count) / Double(max(1, members.count))),
                       x: gap + 22, y: y + 4, white)
            for (n, index) in r.representatives[c].enumerated() {
                let e = r.entries[index], study = r.studies[e.study]
                guard let file = study.thumbnailsFile else { continue }
                if thumbnails[e.study] == nil { thumbnails[e.study] = try NPYFile.read(file) }
                let t = thumbnails[e.study]!, s = StudyOutputs.thumbnailSide
                guard t.shape == [study.slices.count, s, s], t.dtype == .uint8 else {
                    throw ClusteringError("\(file.path): shape \(t.shape), expected \([study.slices.count, s, s]) bytes")
                }
                let x0 = gap + n * (side + gap), y0 = y + header
                for py in 0..<side {
                    for px in 0..<side {
                        let v = t.bytes[e.row * s * s + (py / 2) * s + px / 2]
                        image.set(x: x0 + px, y: y0 + py, (v, v, v))
                    }
                }
                image.text(String(name(r, e).suffix(21)), x: x0, y: y0 + side + 3, scale: 1, white)
            }
        }
        return image
    }
}
