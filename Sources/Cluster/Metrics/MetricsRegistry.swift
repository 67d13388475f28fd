import Foundation

/// Per-process metrics in Prometheus text exposition format (version 0.0.4): counters,
/// gauges and histograms with labels. Thread-safe; rendering is a consistent snapshot.
public final class MetricsRegistry: @unchecked Sendable {
    public enum Kind: String { case counter, gauge, histogram }

    private struct Family {
        var kind: Kind
        var help: String
        var buckets: [Double]
        var values: [String: Double] = [:]  // label text → value (counter, gauge)
        var histograms: [String: (counts: [Int], sum: Double, count: Int)] = [:]
    }

    private let lock = NSLock()
    private var families: [String: Family] = [:]

    /// Latency buckets in seconds, from a cached slice batch (ms) to a large study (minutes).
    public static let latencyBuckets: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

    public init() {}

    public func increment(_ name: String, by value: Double = 1, labels: [String: String] = [:], help: String = "") {
        update(name, .counter, help, labels) { $0 += value }
    }

    public func set(_ name: String, _ value: Double, labels: [String: String] = [:], help: String = "") {
        update(name, .gauge, help, labels) { $0 = value }
    }

    public func observe(_ name: String, _ value: Double, labels: [String: String] = [:],
                        buckets: [Double] = MetricsRegistry.latencyBuckets, help: String = "") {
        lock.lock(); defer { lock.unlock() }
        var family = families[name] ?? Family(kind: .histogram, help: help, buckets: buckets.sorted())
        let key = Self.labelText(labels)
        var h = family.histograms[key] ?? (Array(repeating: 0, count: family.buckets.count), 0, 0)
        for (i, bound) in family.buckets.enumerated() where value <= bound { h.counts[i] += 1 }
        h.sum += value
        h.count += 1
        family.histograms[key] = h
        families[name] = family
    }

    /// Current value of a counter or gauge (tests and `status`).
    public func value(_ name: String, labels: [String: String] = [:]) -> Double? {
        lock.lock(); defer { lock.unlock() }
        return families[name]?.values[Self.labelText(labels)]
    }

    private func update(_ name: String, _ kind: Kind, _ help: String, _ labels: [String: String], _ body: (inout Double) -> Void) {
        lock.lock(); defer { lock.unlock() }
        var family = families[name] ?? Family(kind: kind, help: help, buckets: [])
        precondition(family.kind == kind, "metric \(name) used as \(kind) and \(family.kind)")
        body(&family.values[Self.labelText(labels), default: 0])
        families[name] = family
    }

    /// The exposition text: `# HELP`, `# TYPE`, then samples, families sorted by name.
    public func render() -> String {
        lock.lock(); defer { lock.unlock() }
        var out = ""
        for name in families.keys.sorted() {
            let f = families[name]!
            if !f.help.isEmpty { out += "# HELP \(name) \(Self.escapeHelp(f.help))\n" }
            out += "# TYPE \(name) \(f.kind.rawValue)\n"
            switch f.kind {
            case .counter, .gauge:
                for key in f.values.keys.sorted() { out += "\(name)\(Self.braced(key)) \(Self.format(f.values[key]!))\n" }
            case .histogram:
                for key in f.histograms.keys.sorted() {
                    let h = f.histograms[key]!
                    for (i, bound) in f.buckets.enumerated() {
                        out += "\(name)_bucket\(Self.braced(key, le: Self.format(bound))) \(h.counts[i])\n"
                    }
                    out += "\(name)_bucket\(Self.braced(key, le: "+Inf")) \(h.count)\n"
                    out += "\(name)_sum\(Self.braced(key)) \(Self.format(h.sum))\n"
                    out += "\(name)_count\(Self.braced(key)) \(h.count)\n"
                }
            }
        }
        return out
    }

    static func labelText(_ labels: [String: String]) -> String {
        labels.keys.sorted().map { "\($0)=\"\(escapeValue(labels[$0]!))\"" }.joined(separator: ",")
    }

    static func braced(_ key: String, le: String? = nil) -> String {
        var parts = key.isEmpty ? [] : [key]
        if let le { parts.append("le=\"\(le)\"") }
        return parts.isEmpty ? "" : "{\(parts.joined(separator: ","))}"
    }

    static func format(_ v: Double) -> String {
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    static func escapeValue(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
