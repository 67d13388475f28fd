import ArgumentParser
import Cluster
import Clustering
import Foundation

/// `ctscreen cluster FOLDER…`: what kinds of slices a batch of studies holds, by the paper's
/// feature-space analysis (gradient-weighted features, z-scored, PCA, k-means, elbow).
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Groups the lung slices of many screened studies by their gradient-weighted features (k-means, k by the elbow) and shows the groups.",
        discussion: """
        Reads every study output under the folders (what `analyze` and the reducer write: \
        report.json, features.npy, thumbnails.npy), in three streamed passes, so thousands of \
        studies never sit in memory at once. Writes into --out: clusters.json (every slice's \
        cluster and PCA coordinates, each cluster's make-up), summary.txt, scatter.png (the \
        slices in the first two principal components, by cluster and by the classifier's call or \
        the given labels) and montage.png (per cluster, the slices nearest its centre). Research \
        software, not for clinical use.
        """)

    @Argument(help: "Folders holding study outputs (searched recursively), e.g. a reducer's output root. None: the studies done on the cluster (--redis-url), by their summaries' report paths.")
    var folders: [String] = []

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Folder for the results.")
    var out: String = "ctscreen-clusters"

    @Option(name: .customLong("max-k"), help: "Try k = 2 … this value and choose k by the elbow.")
    var maxK: Int = 8

    @Option(help: "Use this k instead of the elbow's.")
    var k: Int?

    @Option(help: "Principal components the slices are clustered in (the feature dimension keeps them all).")
    var components: Int = 50

    @Option(help: "k-means restarts from different k-means++ draws (the best is kept).")
    var restarts: Int = 10

    @Option(help: "Seed of the k-means++ draws: the same seed gives the same clusters.")
    var seed: UInt64 = 0

    @Flag(help: "Only slices the classifier called positive.")
    var positiveOnly = false

    @Option(help: "CSV with columns study,label (study id or readable name): colours the second scatter panel by label.")
    var labels: String?

    @Option(name: .customLong("slice-labels"), help: "CSV with columns study,slice,label (slice index in the study): per-slice labels, e.g. infected/clean; they take precedence over --labels.")
    var sliceLabels: String?

    func validate() throws {
        guard maxK >= 2 else { throw ValidationError("--max-k must be at least 2") }
        if let k { guard k >= 1 else { throw ValidationError("--k must be at least 1") } }
        guard components >= 2 else { throw ValidationError("--components must be at least 2") }
        guard restarts >= 1 else { throw ValidationError("--restarts must be at least 1") }
    }

    /// The folders given, or each done study's report folder from the cluster's result store.
    func sources() throws -> [URL] {
        guard folders.isEmpty else { return folders.map { URL(fileURLWithPath: $0) } }
        let rows = try Worklist.build(try cluster.transport()).rows.filter { $0.state == "done" && !$0.reportPath.isEmpty }
        guard !rows.isEmpty else { throw ClusteringError("the cluster has no done studies with a report") }
        return rows.map { URL(fileURLWithPath: $0.reportPath).deletingLastPathComponent() }
    }

    func run() throws {
        try reportingErrors("cluster") {
            let found = try StudyFeatures.find(try sources())
            for folder in found.withoutFeatures {
                FileHandle.standardError.write(Data("ctscreen cluster: \(folder.path): report without features.npy, left out\n".utf8))
            }
            var settings = SliceClustering.Settings()
            settings.components = components
            settings.maxK = maxK
            settings.k = k
            settings.restarts = restarts
            settings.seed = seed
            settings.positiveOnly = positiveOnly
            let result = try SliceClustering(studies: found.studies, settings: settings)
            var labelOf = try labels.map { try ClusterOutputs.readLabels(URL(fileURLWithPath: $0)) }
            if let sliceLabels {
                labelOf = (labelOf ?? [:]).merging(try ClusterOutputs.readSliceLabels(URL(fileURLWithPath: sliceLabels))) { $1 }
            }
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let summary = ClusterOutputs.summary(result, settings: settings, labels: labelOf)
            try ClusterOutputs.write(result, settings: settings, summary: summary, labels: labelOf, to: folder)
            summary.forEach { print($0) }
            print("outputs: \(folder.path)/ clusters.json, summary.txt, scatter.png, montage.png")
        }
    }
}
