import Checkpoint
import Dispatch
import Foundation
import Models
import Server
import Synchronization

/// How much the server may hold in memory across its loaded models (`owl serve --max-memory`, `--max-loaded`).
public struct MemoryLimits: Sendable, Equatable {
    /// Bytes all resident models may take together (their `ModelFootprint`s).
    public var maxBytes: Int64
    /// Models resident at once at most (nil: only the bytes limit).
    public var maxLoaded: Int?
    /// Seconds a request waits for busy models to finish before its model's load is refused with 503.
    public var loadWait: Double

    public init(maxBytes: Int64 = MemoryLimits.defaultMaxBytes(), maxLoaded: Int? = nil, loadWait: Double = 10) {
        self.maxBytes = maxBytes
        self.maxLoaded = maxLoaded
        self.loadWait = loadWait
    }

    /// Three quarters of the memory this process may use: physical RAM, or the cgroup's limit when lower
    /// (a container), leaving the rest to the OS, the page cache and the server itself.
    public static func defaultMaxBytes() -> Int64 {
        var limit = Int64(clamping: ProcessInfo.processInfo.physicalMemory)
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let cgroup = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)), cgroup > 0 {
            limit = min(limit, cgroup)
        }
        return limit / 4 * 3
    }

    /// Parses a size: plain bytes (`1073741824`) or a number with a unit: `K`/`KB`/`KiB`, `M`…, `G`…, `T`…
    /// (all powers of 1024, as memory is counted; case-insensitive; fractions allowed: `1.5GiB`).
    /// - Returns: nil for anything else, zero or negative.
    public static func parseBytes(_ text: String) -> Int64? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("tib", 0x1p40), ("gib", 0x1p30), ("mib", 0x1p20), ("kib", 0x1p10),
                                         ("tb", 0x1p40), ("gb", 0x1p30), ("mb", 0x1p20), ("kb", 0x1p10),
                                         ("t", 0x1p40), ("g", 0x1p30), ("m", 0x1p20), ("k", 0x1p10), ("b", 1)]
        var number = Substring(s)
        var scale = 1.0
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            number = s.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let v = Double(number.trimmingCharacters(in: .whitespaces)),
              v > 0, v * scale < 0x1p62 else { return nil }
        return Int64((v * scale).rounded())
    }

    /// `1.5 GiB`, `320 MiB`, `12 KiB`, `512 B`.
    public static func format(_ bytes: Int64) -> String {
        let units: [(Double, String)] = [(0x1p40, "TiB"), (0x1p30, "GiB"), (0x1p20, "MiB"), (0x1p10, "KiB")]
        for (size, name) in units where Double(bytes) >= size {
            let v = Double(bytes) / size
            return (v >= 100 || v == v.rounded() ? String(Int(v.rounded())) : String(format: "%.1f", v)) + " " + name
        }
        return "\(bytes) B"
    }
}

/// What a model costs while loaded: its mapped weights, the KV caches of its scheduler's slots and the work
/// buffers of a forward pass. Estimated before loading (from the file size and the metadata), so the budget can
/// make room first.
public struct ModelFootprint: Sendable, Equatable {
    public var weights: Int64
    public var kvCache: Int64
    public var scratch: Int64
    public var total: Int64 { weights + kvCache + scratch }

    public init(weights: Int64, kvCache: Int64, scratch: Int64) {
        self.weights = weights
        self.kvCache = kvCache
        self.scratch = scratch
    }

    /// Rows a prefill step works on at most (a chunk of prompt tokens), for the scratch estimate.
    static let prefillRows = 512

    /// A decoder: `slots` KV caches of `min(context, trained context)` positions, keys and values per layer
    /// in the cache precision of `mode` (`KVCache.byteCount`: `layers × positions × (keyWidth + valueWidth) × 2`
    /// bytes each for `.fast`'s F16, `× 4` for `.reference`'s F32; allocated when the model loads); scratch for
    /// a prefill chunk's activations (`rows × (3d + 2·ff + kw + vw) × 4`), one attention score row per head over
    /// the context, and a logits row per slot plus one.
    public static func decoder(_ c: ModelConfig, fileBytes: Int64, context: Int, slots: Int,
                               mode: ComputeMode = .fast) -> ModelFootprint {
        let positions = Int64(min(context, c.contextLength))
        let perSlot = KVCache.byteCount(layers: c.layerCount, capacity: Int(positions), keyWidth: c.keyWidth,
                                        valueWidth: c.valueWidth, precision: KVCache.Precision(mode: mode))
        let kv = Int64(max(1, slots)) * Int64(perSlot)
        let rows = Int64(prefillRows)
        let activations = rows * Int64(3 * c.embeddingLength + 2 * c.feedForwardLength + c.keyWidth + c.valueWidth) * 4
        let scores = Int64(c.headCount) * positions * 4 * rows
        let logits = Int64(c.vocabularySize) * 4 * Int64(max(1, slots) + 1)
        return ModelFootprint(weights: fileBytes, kvCache: kv, scratch: activations + scores + logits)
    }

    /// An embedding model: weights as stored, and scratch for one batch of `batch` inputs of `sequence` tokens
    /// (hidden states and feed-forward rows, attention scores per head).
    public static func embedder(fileBytes: Int64, hidden: Int = 384, feedForward: Int = 1536, heads: Int = 12,
                                batch: Int = 32, sequence: Int = 256) -> ModelFootprint {
        let rows = Int64(batch * sequence)
        let scratch = rows * Int64(4 * hidden + feedForward) * 4 + Int64(batch * heads) * Int64(sequence * sequence) * 4
        return ModelFootprint(weights: fileBytes, kvCache: 0, scratch: scratch)
    }

    /// `about 1.2 GiB (weights 90 MiB, KV cache 760 MiB, scratch 20 MiB)`.
    public var summary: String {
        "about \(MemoryLimits.format(total)) (weights \(MemoryLimits.format(weights)), KV cache \(MemoryLimits.format(kvCache)), scratch \(MemoryLimits.format(scratch)))"
    }
}

/// Keeps the models resident within `MemoryLimits`: before a model loads, `admit` makes room by unloading the
/// least recently used idle models; when the others are busy it waits up to `loadWait` for them, then refuses
/// with a 503 that says why and what to do. Thread-safe.
public final class MemoryBudget: Sendable {
    public let limits: MemoryLimits
    /// Unloads the named model if it is idle now; true when it did (it then calls `release`).
    private let evictor = Mutex<(@Sendable (String) -> Bool)?>(nil)

    private struct Entry {
        var footprint: ModelFootprint
        /// Uptime ns of its last use (admission, then each finished request).
        var lastUsed: UInt64
    }
    private let resident = Mutex<[String: Entry]>([:])

    public init(limits: MemoryLimits) {
        self.limits = limits
    }

    /// Sets how to unload a model that is idle now: return true when it unloaded (and called `release`).
    public func onEvict(_ evict: @escaping @Sendable (String) -> Bool) { evictor.withLock { $0 = evict } }

    private func evict(_ name: String) -> Bool { evictor.withLock { $0 }?(name) ?? false }

    /// Bytes held by resident models (and loads in progress).
    public var usedBytes: Int64 { resident.withLock { $0.values.reduce(0) { $0 + $1.footprint.total } } }

    /// The footprint a resident model was admitted with.
    public func footprint(of name: String) -> ModelFootprint? { resident.withLock { $0[name]?.footprint } }

    /// Resident model names, least recently used first.
    public var residentNames: [String] {
        resident.withLock { $0.sorted { $0.value.lastUsed < $1.value.lastUsed }.map(\.key) }
    }

    /// Reserves room for `name` before it loads, unloading least recently used idle models as needed and waiting
    /// up to `limits.loadWait` seconds for busy ones. Call `release(name)` when it unloads or its load fails.
    /// - Throws: `BackendError.unavailable` when the model alone exceeds the budget, or when the room is held by
    ///   models still serving requests after the wait.
    public func admit(_ name: String, _ footprint: ModelFootprint) throws {
        guard footprint.total <= limits.maxBytes else {
            throw BackendError.unavailable("\(name) needs \(footprint.summary), more than the whole memory budget of \(MemoryLimits.format(limits.maxBytes)); restart owl serve with a larger --max-memory, or a smaller --ctx or --parallel")
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, limits.loadWait) * 1e9)
        while true {
            let victims: [String]? = resident.withLock { r in
                if r[name] != nil { return nil }
                let others = r.filter { $0.key != name }
                let used = others.values.reduce(0) { $0 + $1.footprint.total }
                let fitsBytes = used + footprint.total <= limits.maxBytes
                let fitsCount = limits.maxLoaded.map { others.count + 1 <= $0 } ?? true
                if fitsBytes && fitsCount {
                    r[name] = Entry(footprint: footprint, lastUsed: DispatchTime.now().uptimeNanoseconds)
                    return nil
                }
                return others.sorted { $0.value.lastUsed < $1.value.lastUsed }.map(\.key)
            }
            guard let victims else { return }
            // Evict one least recently used idle model, then check again (it may have been enough).
            if victims.contains(where: { evict($0) }) { continue }
            guard DispatchTime.now().uptimeNanoseconds < deadline else { throw busyError(name, footprint) }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    private func busyError(_ name: String, _ footprint: ModelFootprint) -> BackendError {
        let held = resident.withLock { r in r.filter { $0.key != name }.sorted { $0.key < $1.key } }
        let list = held.map { "\($0.key) \(MemoryLimits.format($0.value.footprint.total))" }.joined(separator: ", ")
        let used = held.reduce(0) { $0 + $1.value.footprint.total }
        let why: String
        if let max = limits.maxLoaded, held.count + 1 > max, used + footprint.total <= limits.maxBytes {
            why = "\(held.count) models are loaded (--max-loaded \(max)) and all are serving requests (\(list))"
        } else {
            why = "\(MemoryLimits.format(used)) of the \(MemoryLimits.format(limits.maxBytes)) memory budget is held by models serving requests (\(list))"
        }
        return BackendError.unavailable("cannot load \(name) (\(footprint.summary)): \(why); retry when they finish, or restart owl serve with a larger --max-memory or --max-loaded")
    }

    /// Marks `name` as just used (it becomes the last to be evicted).
    public func touch(_ name: String) {
        resident.withLock { r in r[name]?.lastUsed = DispatchTime.now().uptimeNanoseconds }
    }

    /// Forgets `name` (unloaded, or its load failed).
    public func release(_ name: String) {
        _ = resident.withLock { $0.removeValue(forKey: name) }
    }
}
