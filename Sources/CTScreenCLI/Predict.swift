import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Imaging
import Preparation
import Screening
import Segmentation

/// Scores labelled slices (a held-out split of a training run, or whole data sets), for
/// `evaluate` and the model card.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score labelled slices with a model; writes a CSV for evaluate.",
        discussion: """
        The slices are one split of a training run (--splits RUN/splits.json --split test) or \
        whole data sets chosen with the same flags as `train` (e.g. a set never trained on). \
        They are prepared without augmentation exactly as training does; the classifier's \
        P(abnormal) goes to OUTPUT with the columns id,label,score,dataset,patient. Pass it to \
        `ctscreen evaluate --slices OUTPUT`; filter rows by the dataset column for per-source figures. \
        With --localisation, slices that come with an infection mask (--covid19-ct-seg, --medseg) \
        also get Grad-CAM, and three more columns say how its fused map sits on the mask: \
        heat_in_lesion, heat_in_rest_of_lung (mean of the map there), peak_in_lesion (1 when \
        the hottest pixel is in the lesion), and lesion_counted, rest_of_lung_counted (the \
        shares of their pixels above the Corona score's threshold, which the score counts).
        """)

    @Option(help: "splits.json written by `ctscreen train`.")
    var splits: String?
    @Option(help: "Which split of --splits to score: train, validation or test.")
    var split = "test"
    @OptionGroup var data: DatasetOptions
    @OptionGroup var model: ModelOptions
    @Option(name: .customLong("output"), help: "CSV file to write.")
    var output: String
    @OptionGroup var engine: EngineOptions
    @Option(name: .customLong("batch-size"), help: "Slices per forward pass.")
    var batchSize = ScreeningSettings.standard.batchSize
    @Flag(help: "Measure how Grad-CAM sits on the infection masks of masked slices (adds columns).")
    var localisation = false
    @Option(help: "Also write each slice's pooled features (float32 little-endian, rows in OUTPUT's order) to this file, for probes.")
    var features: String?

    func validate() throws {
        guard (splits == nil) != data.isEmpty else {
            throw ValidationError("give either --splits FILE or data set flags (--ucsd, --covid19-ct-seg, ...), not both")
        }
        guard ["train", "validation", "test"].contains(split) else { throw ValidationError("--split must be train, validation or test") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws { try reportingErrors("predict", predict) }

    /// The chosen split of a run's splits.json.
    static func split(_ name: String, of path: String) throws -> Dataset {
        do {
            let all = try JSONDecoder().decode([String: Dataset].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            guard let d = all[name] else { throw DatasetError.unreadableTable(path: path, reason: "no split named \(name)") }
            return d
        } catch let e as DatasetError { throw e } catch {
            throw DatasetError.unreadableTable(path: path, reason: "not a splits.json of ctscreen train: \(error.localizedDescription)")
        }
    }

    func predict() throws {
        let data = try splits.map { try Self.split(split, of: $0) } ?? self.data.dataset()
        let classifier = try AnalyzeComponents.classifier(weights: model.weights, threads: engine.threads)
        let hasVolumes = data.samples.contains { if case .volumeSlice = $0.source { return true } else { return false } }
        let loader = try SampleLoader(settings: classifier.preparation.applied(to: .standard),
                                      segmenter: hasVolumes ? ClassicalLungSegmenter() : nil)
        // Volume slices are read once per volume, as in training.
        let cache = TrainSliceCache(loader: loader)
        try cache.preload(data.samples)
        var lines = ["id,label,score,dataset,patient" + (localisation ? ",heat_in_lesion,heat_in_rest_of_lung,peak_in_lesion,lesion_counted,rest_of_lung_counted" : "")]
        var measured: [LesionLocalisation] = []
        var rng = SplitMix64(seed: 0)
        var pooled = Data()
        for start in stride(from: 0, to: data.samples.count, by: batchSize) {
            let batch = Array(data.samples[start..<min(start + batchSize, data.samples.count)])
            let prepared = try cache.preparedBatch(batch, augmentation: .none, rng: &rng).prepared
            let input = try SlicePreparation.normalisedBatch(prepared, settings: loader.settings)
            // A threshold above 1 skips Grad-CAM (only the probabilities are needed); 0 runs
            // it on every slice.
            let outputs = try classifier.classify(input: input, count: batch.count, positiveThreshold: localisation ? 0 : 2)
            for (k, (s, o)) in zip(batch, outputs).enumerated() {
                if features != nil { o.features.withUnsafeBytes { pooled.append(contentsOf: $0) } }
                var extra: [String] = []
                if localisation {
                    let map = o.fusedMap.map { SlicePreparation.mapToSlice($0, side: loader.settings.inputSize, settings: loader.settings) }
                    let m = try Self.localisation(of: s, image: prepared[k], map: map, loader: loader)
                    if let m { measured.append(m) }
                    extra = m.map { [String($0.meanInLesion), String($0.meanInRestOfLung), $0.peakInLesion ? "1" : "0",
                                     String($0.lesionCounted), String($0.restOfLungCounted)] }
                        ?? ["", "", "", "", ""]
                }
                let cut = s.group.firstIndex(of: "/")
                let dataset = cut.map { String(s.group[..<$0]) } ?? data.name
                let patient = cut.map { String(s.group[s.group.index(after: $0)...]) } ?? s.group
                lines.append(([Self.id(s), s.label ? "1" : "0", String(o.probability), dataset, patient] + extra)
                    .map(Self.csvField).joined(separator: ","))
            }
        }
        do { try (lines.joined(separator: "\n") + "\n").write(toFile: output, atomically: true, encoding: .utf8) } catch {
            throw ScreeningError.output(path: output, reason: error.localizedDescription)
        }
        if let path = features {
            do { try pooled.write(to: URL(fileURLWithPath: path)) } catch {
                throw ScreeningError.output(path: path, reason: error.localizedDescription)
            }
        }
        print("scored \(data.samples.count) \(splits == nil ? "" : split + " ")slices (\(data.samples.filter(\.label).count) positive) → \(output)")
        if localisation {
            let ratios = measured.map(\.ratio).sorted()
            let hits = measured.filter(\.peakInLesion).count
            let n = Double(measured.count)
            print(measured.isEmpty ? "localisation: no slice with a non-empty infection mask"
                  : String(format: "localisation over %d masked slices: heat in lesion / rest of lung median %.2f "
                           + "(quartiles %.2f–%.2f), hottest pixel in the lesion on %d (%.0f %%); above the Corona "
                           + "threshold: %.1f %% of lesion pixels, %.1f %% of the rest of the lung (means over slices)",
                           measured.count, ratios[ratios.count / 2], ratios[ratios.count / 4], ratios[(3 * ratios.count) / 4],
                           hits, 100 * Double(hits) / n, 100 * measured.map(\.lesionCounted).reduce(0, +) / n,
                           100 * measured.map(\.restOfLungCounted).reduce(0, +) / n))
        }
    }

    /// The localisation measure of a masked slice's fused map over its prepared image; nil
    /// for other samples or an empty mask (see `SampleLoader.lesionMask`).
    static func localisation(of sample: Sample, image: PreparedSlice, map: [Float]?,
                             loader: SampleLoader) throws -> LesionLocalisation? {
        let side = image.side
        guard let map, map.count == side * side, let mask = try loader.lesionMask(for: sample, side: side) else { return nil }
        return LesionLocalisation.measure(heat: map, lesion: mask, image: image.pixels, side: side,
                                          countedAbove: ScreeningSettings.standard.coronaThreshold)
    }

    static func id(_ s: Sample) -> String {
        switch s.source {
        case .image(let p), .maskedImage(let p, _): return URL(fileURLWithPath: p).lastPathComponent
        case .volumeSlice(let v, let k): return "\(v)#\(k)"
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
