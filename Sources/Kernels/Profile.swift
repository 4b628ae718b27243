import Checkpoint
import Dispatch
import Foundation
import Synchronization

/// The kinds of work a forward pass (and the decode loop around it) is split into for `Profiler`.
public enum ProfileOp: Hashable, Sendable, CustomStringConvertible {
    /// A weight matrix times activations, by the weight's storage type.
    case matmul(GGMLType)
    case attention
    /// RMSNorm and layer norms (including per-head Q/K norms).
    case norm
    case rope
    /// Gated activations (SwiGLU, GELU).
    case activation
    case residual
    /// Token embedding lookup.
    case embedding
    /// Copying K and V rows into the cache.
    case cache
    /// Final norm, output projection and soft-capping.
    case output
    case sampling

    public var description: String {
        switch self {
        case .matmul(let t): return "matmul \(t)"
        case .attention: return "attention"
        case .norm: return "norm"
        case .rope: return "rope"
        case .activation: return "activation"
        case .residual: return "residual add"
        case .embedding: return "embedding"
        case .cache: return "kv cache write"
        case .output: return "output"
        case .sampling: return "sampling"
        }
    }
}

/// Wall time per op kind, measured by laps: `start()` sets the clock, each `lap(op)` charges the time since
/// the previous lap (or start) to `op`. Hooks read `profiler?.lap(.norm)`, so a model without a profiler
/// pays one nil check per hook. Thread-safe, but laps only make sense from the thread that drives the
/// forward pass (workers finish before the kernel call that started them returns).
public final class Profiler: Sendable {
    /// Totals of one op kind.
    public struct Entry: Sendable, Equatable {
        public let op: ProfileOp
        public let seconds: Double
        public let calls: Int
        /// Share of the total of all entries, 0…1.
        public let fraction: Double
    }

    private struct State {
        var last: UInt64 = 0
        var nanoseconds: [ProfileOp: UInt64] = [:]
        var calls: [ProfileOp: Int] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Starts the clock for the next lap.
    public func start() {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { $0.last = now }
    }

    /// Charges the time since the previous lap (or `start`) to `op` and restarts the clock.
    public func lap(_ op: ProfileOp) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            s.nanoseconds[op, default: 0] += now &- min(now, s.last)
            s.calls[op, default: 0] += 1
            s.last = now
        }
    }

    /// Forgets every total.
    public func reset() {
        state.withLock { s in s.nanoseconds = [:]; s.calls = [:] }
    }

    /// The totals, largest first.
    public func entries() -> [Entry] {
        let (ns, calls) = state.withLock { ($0.nanoseconds, $0.calls) }
        let total = Double(ns.values.reduce(0, +))
        return ns.map { op, t in
            Entry(op: op, seconds: Double(t) / 1e9, calls: calls[op] ?? 0, fraction: total > 0 ? Double(t) / total : 0)
        }.sorted { $0.seconds != $1.seconds ? $0.seconds > $1.seconds : $0.op.description < $1.op.description }
    }

    /// A plain-text table: op, milliseconds, calls, percent of the total; times and calls divided by `runs`.
    public func table(title: String, runs: Int = 1) -> String {
        let rows = entries()
        let n = Double(max(1, runs))
        let total = rows.reduce(0) { $0 + $1.seconds } / n
        var lines = [title, pad("op", 20) + lpad("ms", 10) + lpad("calls", 10) + lpad("%", 8)]
        for e in rows {
            lines.append(pad(e.op.description, 20) + lpad(fixed(e.seconds * 1000 / n, 2), 10) + lpad(String(e.calls / max(1, runs)), 10)
                         + lpad(fixed(e.fraction * 100, 1), 8))
        }
        lines.append(pad("total", 20) + lpad(fixed(total * 1000, 2), 10))
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
    private func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
