import Foundation
import Prometheus

/// Per-process metrics in the Prometheus text exposition format (0.0.4): counters, gauges and
/// histograms with labels, kept and rendered by swift-prometheus' `PrometheusCollectorRegistry`.
/// This type only keeps the call sites' shape (`increment` / `set` / `observe` by name, with
/// labels and a help text) and what the library leaves to its caller:
/// - labels are passed sorted by name, so one label set is one series however the dictionary
///   iterates, and a series renders as before (`{lane="…",queue="…"}`);
/// - a family's help text and histogram buckets are the first call's (as before): the library
///   refuses a second, different help text for a name, and call sites may omit it after the first;
/// - a counter incremented by a whole number stays an integer in the text (`3`, not `3.0`).
/// Gauge values and bucket bounds are spelled as the library spells doubles (`7.0`, `le="1.0"`),
/// and families come in the library's order, not sorted: both are the same to a scraper.
///
/// Using one name as two kinds (or labelled and unlabelled) is a programming error and traps, in
/// the library as it did here. swift-metrics code can record into the same registry through
/// `factory` (its API has no help texts, which is why the call sites use the registry directly).
public final class MetricsRegistry: @unchecked Sendable {
    public enum Kind: String { case counter, gauge, histogram }

    /// The registry the scrape renders; exposed for code that registers its own metrics.
    public let prometheus: PrometheusCollectorRegistry

    private enum Series {
        case counter(Prometheus.Counter)
        case gauge(Prometheus.Gauge)
        case histogram(ValueHistogram)
    }

    private struct Family {
        var kind: Kind
        var help: String
        var buckets: [Double]
    }

    private let lock = NSLock()
    private var families: [String: Family] = [:]
    private var series: [String: Series] = [:]  // name + label text → the library's handle

    /// Latency buckets in seconds, from a cached slice batch (ms) to a large study (minutes).
    public static let latencyBuckets: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

    public init() { prometheus = PrometheusCollectorRegistry() }

    /// A swift-metrics factory writing into this registry (e.g. for `MetricsSystem.bootstrap`).
    public var factory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: prometheus) }

    public func increment(_ name: String, by value: Double = 1, labels: [String: String] = [:], help: String = "") {
        guard case .counter(let counter) = handle(name, .counter, labels, help, buckets: []) else { return }
        // Whole increments go to the library's integer counter, so counts render as integers.
        if value >= 0, value == value.rounded(), value < 9.0e15 {
            counter.increment(by: Int64(value))
        } else {
            counter.increment(by: value)
        }
    }

    public func set(_ name: String, _ value: Double, labels: [String: String] = [:], help: String = "") {
        guard case .gauge(let gauge) = handle(name, .gauge, labels, help, buckets: []) else { return }
        gauge.set(to: value)
    }

    public func observe(_ name: String, _ value: Double, labels: [String: String] = [:],
                        buckets: [Double] = MetricsRegistry.latencyBuckets, help: String = "") {
        guard case .histogram(let histogram) = handle(name, .histogram, labels, help, buckets: buckets) else { return }
        histogram.record(value)
    }

    /// Current value of a counter or gauge (tests and `status`), read back from the rendered
    /// text, so it is what a scraper sees. Nil when that series does not exist.
    public func value(_ name: String, labels: [String: String] = [:]) -> Double? {
        let prefix = name + Self.braced(Self.sorted(labels)) + " "
        for line in render().split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count))
        }
        return nil
    }

    /// The exposition text: per family `# HELP` (when given), `# TYPE`, then its samples.
    public func render() -> String {
        prometheus.emitToString()
    }

    // MARK: - Handles

    private func handle(_ name: String, _ kind: Kind, _ labels: [String: String], _ help: String,
                        buckets: [Double]) -> Series {
        let labels = Self.sorted(labels)
        let key = name + Self.braced(labels)
        lock.lock(); defer { lock.unlock() }
        if let known = series[key] { return known }
        let family = families[name] ?? Family(kind: kind, help: help, buckets: buckets.sorted())
        precondition(family.kind == kind, "metric \(name) used as \(kind) and \(family.kind)")
        families[name] = family
        // The whole name as `metricName`: the descriptor joins no namespace or unit to it.
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: family.help)
        let made: Series
        switch kind {
        case .counter: made = .counter(prometheus.makeCounter(descriptor: descriptor, labels: labels))
        case .gauge: made = .gauge(prometheus.makeGauge(descriptor: descriptor, labels: labels))
        case .histogram:
            made = .histogram(prometheus.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: family.buckets))
        }
        series[key] = made
        return made
    }

    static func sorted(_ labels: [String: String]) -> [(String, String)] {
        labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// `{a="1",b="2"}` as the library writes a series' labels (escaping `\`, `"` and newline).
    static func braced(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(escaped)\""
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
