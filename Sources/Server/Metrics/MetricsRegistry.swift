import Foundation
import Synchronization

/// Counters, gauges and histograms with labels, rendered in the Prometheus text format (0.0.4).
///
/// Families are registered once (names and label names fixed); values are updated from any thread.
public final class MetricsRegistry: Sendable {
    private let families = Mutex([MetricFamily]())

    public init() {}

    /// Registers a counter family.
    public func counter(_ name: String, _ help: String, labels: [String] = []) -> Counter {
        let c = Counter(name: name, help: help, labels: labels)
        families.withLock { $0.append(c) }
        return c
    }

    /// Registers a gauge family.
    public func gauge(_ name: String, _ help: String, labels: [String] = []) -> Gauge {
        let g = Gauge(name: name, help: help, labels: labels)
        families.withLock { $0.append(g) }
        return g
    }

    /// Registers a histogram family with upper bounds `buckets` (ascending; `+Inf` is implied).
    public func histogram(_ name: String, _ help: String, labels: [String] = [], buckets: [Double]) -> Histogram {
        let h = Histogram(name: name, help: help, labels: labels, buckets: buckets)
        families.withLock { $0.append(h) }
        return h
    }

    /// Everything, in the Prometheus text exposition format.
    public func render() -> String {
        var out = ""
        for f in families.withLock({ $0 }) { f.render(into: &out) }
        return out
    }
}

/// One metric name with its label names and samples.
public class MetricFamily: @unchecked Sendable {
    public let name: String
    let help: String
    let labels: [String]
    init(name: String, help: String, labels: [String]) {
        self.name = name
        self.help = help
        self.labels = labels
    }
    func render(into out: inout String) {}

    /// `{a="x",b="y"}` with values escaped (`\`, `"`, newline), or "" without labels.
    func labelText(_ values: [String], extra: (String, String)? = nil) -> String {
        var pairs = zip(labels, values).map { ($0, $1) }
        if let extra { pairs.append(extra) }
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { k, v in
            k + "=\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }.joined(separator: ",") + "}"
    }

    static func number(_ v: Double) -> String {
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}

/// A monotonically increasing count per label set.
public final class Counter: MetricFamily, @unchecked Sendable {
    private let values = Mutex([[String]: Double]())

    /// Adds `amount` (≥ 0) to the sample with `labels` (values in the family's label order).
    public func inc(_ labels: [String] = [], by amount: Double = 1) {
        guard amount >= 0 else { return }
        values.withLock { $0[labels, default: 0] += amount }
    }

    /// The current value (tests, /health).
    public func value(_ labels: [String] = []) -> Double { values.withLock { $0[labels] ?? 0 } }

    override func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
        let snapshot = values.withLock { $0 }
        if snapshot.isEmpty && labels.isEmpty { out += "\(name) 0\n" }
        for (k, v) in snapshot.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out += name + labelText(k) + " " + MetricFamily.number(v) + "\n"
        }
    }
}

/// A value that goes up and down, per label set.
public final class Gauge: MetricFamily, @unchecked Sendable {
    private let values = Mutex([[String]: Double]())

    public func set(_ labels: [String] = [], _ value: Double) { values.withLock { $0[labels] = value } }
    public func add(_ labels: [String] = [], _ delta: Double) { values.withLock { $0[labels, default: 0] += delta } }
    public func value(_ labels: [String] = []) -> Double { values.withLock { $0[labels] ?? 0 } }
    /// The sum over all label sets (tests, totals).
    public var total: Double { values.withLock { $0.values.reduce(0, +) } }
    /// Replaces every sample (values reported whole at render time, such as per-model memory).
    public func replace(_ samples: [[String]: Double]) { values.withLock { $0 = samples } }

    override func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        let snapshot = values.withLock { $0 }
        if snapshot.isEmpty && labels.isEmpty { out += "\(name) 0\n" }
        for (k, v) in snapshot.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out += name + labelText(k) + " " + MetricFamily.number(v) + "\n"
        }
    }
}

/// Observations counted into cumulative buckets, with their sum and count, per label set.
public final class Histogram: MetricFamily, @unchecked Sendable {
    let buckets: [Double]
    private struct Sample {
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }
    private let samples = Mutex([[String]: Sample]())

    init(name: String, help: String, labels: [String], buckets: [Double]) {
        self.buckets = buckets.sorted()
        super.init(name: name, help: help, labels: labels)
    }

    /// Records one observation.
    public func observe(_ labels: [String] = [], _ value: Double) {
        let i = buckets.firstIndex { value <= $0 } ?? buckets.count
        samples.withLock { all in
            var s = all[labels] ?? Sample(counts: [UInt64](repeating: 0, count: buckets.count + 1))
            s.counts[i] += 1
            s.sum += value
            s.count += 1
            all[labels] = s
        }
    }

    /// Observations so far (tests).
    public func count(_ labels: [String] = []) -> UInt64 { samples.withLock { $0[labels]?.count ?? 0 } }

    override func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (k, s) in samples.withLock({ $0 }).sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var cumulative: UInt64 = 0
            for (i, b) in (buckets + [Double.infinity]).enumerated() {
                cumulative += s.counts[i]
                out += name + "_bucket" + labelText(k, extra: ("le", MetricFamily.number(b))) + " \(cumulative)\n"
            }
            out += name + "_sum" + labelText(k) + " " + "\(s.sum)" + "\n"
            out += name + "_count" + labelText(k) + " \(s.count)\n"
        }
    }
}
