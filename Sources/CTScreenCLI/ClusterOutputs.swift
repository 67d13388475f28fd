import Clustering
import Datasets
import Evaluation
import Foundation
import Screening

/// What `ctscreen cluster` writes: clusters.json, summary.txt, scatter.png, montage.png.
enum ClusterOutputs {
    /// Distinct colours for up to ten clusters (then they repeat).
    static let palette: [RasterImage.Color] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                                               (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]

    static func name(_ r: SliceClustering, _ e: SliceClustering.Entry) -> String { "\(r.studies[e.study].label)#\(e.slice)" }

    /// Study id or readable name → label, from a CSV with columns study,label.
    static func readLabels(_ url: URL) throws -> [String: String] {
        let table = try CSVTable.read(path: url.path)
        let study = try table.column("study"), label = try table.column("label")
        return Dictionary(table.rows.map { ($0[study], $0[label]) }, uniquingKeysWith: { a, _ in a })
    }

    /// "study#slice" → label, from a CSV with columns study,slice,label.
    static func readSliceLabels(_ url: URL) throws -> [String: String] {
        let table = try CSVTable.read(path: url.path)
        let study = try table.column("study"), slice = try table.column("slice"), label = try table.column("label")
        return Dictionary(table.rows.map { ("\($0[study])#\($0[slice])", $0[label]) }, uniquingKeysWith: { a, _ in a })
    }

    /// A slice's label: by "study#slice" (id or name), else by study (id or name).
    static func label(_ labels: [String: String]?, _ s: StudyFeatures, slice: Int) -> String? {
        guard let labels else { return nil }
        return labels["\(s.studyID)#\(slice)"] ?? labels["\(s.label)#\(slice)"] ?? labels[s.studyID] ?? labels[s.label]
    }

    static func summary(_ r: SliceClustering, settings: SliceClustering.Settings, labels: [String: String]? = nil) -> [String] {
        var lines: [String] = []
        let n = r.entries.count
        lines.append("\(n) \(settings.positiveOnly ? "positive " : "")lung slices from \(r.studies.count) studies, "
                     + "\(r.dimension) gradient-weighted features each, z-scored")
        let kept = r.pca.explainedVarianceRatio.reduce(0, +), plane = r.pca.explainedVarianceRatio.prefix(2).reduce(0, +)
        lines.append(String(format: "PCA: %d components hold %.1f %% of the variance (the first two %.1f %%)",
                            r.pca.count, 100 * kept, 100 * plane))
        let tried = r.inertias.map { String(format: "k=%d %.4g", $0.k, $0.inertia) }.joined(separator: ", ")
        lines.append(settings.k != nil ? "k = \(r.k) (given); inertia \(tried)"
                     : "k = \(r.k), the elbow (Kneedle) of the within-cluster sum of squares over k = 1…\(r.inertias.last?.k ?? 2), chosen among k ≥ 2: \(tried)")
        for c in 0..<r.k {
            let members = r.entries.filter { $0.cluster == c }
            let positives = members.filter(\.positive).count
            let meanP = members.reduce(0) { $0 + $1.probability } / Double(max(1, members.count))
            let studies = Set(members.map(\.study)).count
            lines.append(String(format: "cluster %d: %d slices (%.0f %%), %.0f %% called positive, mean P %.2f, from %d studies; nearest the centre: ",
                                c + 1, members.count, 100 * Double(members.count) / Double(max(1, n)),
                                100 * Double(positives) / Double(max(1, members.count)), meanP, studies)
                         + r.representatives[c].prefix(4).map { name(r, r.entries[$0]) }.joined(separator: ", "))
            if labels != nil {
                var counts: [String: Int] = [:]
                for e in members { counts[label(labels, r.studies[e.study], slice: e.slice) ?? "no label", default: 0] += 1 }
                lines.append("  labels: " + counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }
        return lines
    }

    static func write(_ r: SliceClustering, settings: SliceClustering.Settings, summary: [String], labels: [String: String]?,
                      to folder: URL) throws {
        try (summary.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("summary.txt"), atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(JSONResult(r, labels: labels)).write(to: folder.appendingPathComponent("clusters.json"))
        try png(scatter(r, labels: labels), folder.appendingPathComponent("scatter.png"))
        try png(try montage(r), folder.appendingPathComponent("montage.png"))
    }

    static func png(_ image: RasterImage, _ url: URL) throws {
        try PNGFile.write(PNGFile.Image(width: image.width, height: image.height, channels: 3, pixels: image.rgb), to: url.path)
    }

    /// clusters.json: settings, the choice of k, the clusters and every slice.
    struct JSONResult: Encodable {
        struct Cluster: Encodable { var cluster: Int; var slices: Int; var positive: Int; var meanProbability: Double; var nearestCentre: [String] }
        struct Slice: Encodable {
            var study: String; var studyID: String; var slice: Int; var probability: Double; var positive: Bool
            var cluster: Int; var pc1: Double; var pc2: Double; var label: String?
        }
        var k: Int
        var inertias: [String: Double]
        var components: Int
        var explainedVarianceRatio: [Double]
        var clusters: [Cluster]
        var slices: [Slice]

        init(_ r: SliceClustering, labels: [String: String]?) {
            k = r.k
            inertias = Dictionary(uniqueKeysWithValues: r.inertias.map { ("\($0.k)", $0.inertia) })
            components = r.pca.count
            explainedVarianceRatio = r.pca.explainedVarianceRatio
            clusters = (0..<r.k).map { c in
                let members = r.entries.filter { $0.cluster == c }
                return Cluster(cluster: c + 1, slices: members.count, positive: members.filter(\.positive).count,
                               meanProbability: members.reduce(0) { $0 + $1.probability } / Double(max(1, members.count)),
                               nearestCentre: r.representatives[c].map { ClusterOutputs.name(r, r.entries[$0]) })
            }
            slices = r.entries.map { e in
                let s = r.studies[e.study]
                return Slice(study: s.label, studyID: s.studyID, slice: e.slice, probability: e.probability, positive: e.positive,
                             cluster: e.cluster + 1, pc1: e.pc1, pc2: e.pc2, label: ClusterOutputs.label(labels, s, slice: e.slice))
            }
        }
    }
}
