import Kernels

/// Keys and values of every layer for the positions seen so far: the state of one sequence.
///
/// Layout per layer: `capacity × keyWidth` keys then `capacity × valueWidth` values, position-major, in
/// F16 (fast mode, like llama.cpp's default cache: half the memory) or F32 (reference mode, exact).
/// `count` positions are valid. Truncating keeps a prefix, so a chat turn that shares its start with the
/// previous one recomputes only the new part. Sliding-window layers keep every position too; their
/// attention masks what lies outside the window.
public final class KVCache {
    /// How keys and values are stored.
    public enum Precision: Sendable, Equatable, CustomStringConvertible {
        /// IEEE half, rounded to nearest even when a row is appended; widened exactly when read.
        case f16
        /// Float as computed.
        case f32

        /// The precision a model in `mode` keeps its cache in: F16 for `.fast`, F32 for `.reference`.
        public init(mode: ComputeMode) { self = mode == .fast ? .f16 : .f32 }

        /// Bytes per stored key or value.
        public var bytes: Int { self == .f16 ? 2 : 4 }

        public var description: String { self == .f16 ? "f16" : "f32" }
    }

    public let layers: Int
    /// Most positions this cache can hold.
    public let capacity: Int
    public let keyWidth: Int
    public let valueWidth: Int
    public let precision: Precision
    /// Number of valid positions (the next token's position).
    public private(set) var count: Int = 0
    private let storage: UnsafeMutableRawPointer

    /// Bytes a cache of this shape holds: `layers × capacity × (keyWidth + valueWidth) × precision.bytes`.
    public static func byteCount(layers: Int, capacity: Int, keyWidth: Int, valueWidth: Int, precision: Precision) -> Int {
        layers * max(0, capacity) * (keyWidth + valueWidth) * precision.bytes
    }

    /// Bytes of storage this cache holds (touched or not).
    public var byteCount: Int {
        Self.byteCount(layers: layers, capacity: capacity, keyWidth: keyWidth, valueWidth: valueWidth, precision: precision)
    }

    /// An empty cache. Prefer `LanguageModel.makeCache(maxTokens:)`, which fills in the widths and precision.
    public init(layers: Int, capacity: Int, keyWidth: Int, valueWidth: Int, precision: Precision = .f32) {
        self.layers = layers
        self.capacity = max(0, capacity)
        self.keyWidth = keyWidth
        self.valueWidth = valueWidth
        self.precision = precision
        let bytes = max(precision.bytes, Self.byteCount(layers: layers, capacity: capacity, keyWidth: keyWidth,
                                                        valueWidth: valueWidth, precision: precision))
        // Not filled: a position is written before it is counted, and only counted positions are read.
        // Large allocations are mapped lazily, so an idle slot of a batch scheduler costs address space,
        // not memory, until its positions are used.
        storage = .allocate(byteCount: bytes, alignment: 64)
    }

    deinit { storage.deallocate() }

    /// Element offset of `layer`'s keys; its values follow `capacity × keyWidth` elements later.
    private func layerStart(_ layer: Int) -> Int { layer * capacity * (keyWidth + valueWidth) }

    /// Layer `layer`'s keys and values from position 0, as attention reads them.
    func rows(_ layer: Int) -> KVRows {
        let k = layerStart(layer), v = k + capacity * keyWidth
        switch precision {
        case .f32:
            let p = storage.assumingMemoryBound(to: Float.self)
            return .f32(keys: p + k, values: p + v)
        case .f16:
            let p = storage.assumingMemoryBound(to: UInt16.self)
            return .f16(keys: p + k, values: p + v)
        }
    }

    /// Writes `n` rows of keys (`keyWidth` floats each) and values (`valueWidth`) at positions
    /// `position ..< position + n` of `layer`, converting to F16 (nearest even) in an F16 cache.
    /// Does not count them: `advance(by:)` does once every layer is written.
    func write(layer: Int, position: Int, rows n: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>) {
        let k = layerStart(layer) + position * keyWidth, v = layerStart(layer) + capacity * keyWidth + position * valueWidth
        switch precision {
        case .f32:
            let p = storage.assumingMemoryBound(to: Float.self)
            (p + k).update(from: keys, count: n * keyWidth)
            (p + v).update(from: values, count: n * valueWidth)
        case .f16:
            let p = storage.assumingMemoryBound(to: UInt16.self)
            Elementwise.toHalf(keys, p + k, count: n * keyWidth)
            Elementwise.toHalf(values, p + v, count: n * valueWidth)
        }
    }

    /// Forgets every position from `length` on (keeps a prefix of the sequence).
    /// - Parameter length: the number of positions to keep; values above `count` are clamped.
    public func truncate(to length: Int) {
        count = max(0, min(count, length))
    }

    /// Forgets everything.
    public func reset() { count = 0 }

    /// Marks `n` more positions as valid (after a forward pass wrote them).
    func advance(by n: Int) { count += n }

    /// Throws unless `n` more positions fit.
    func reserve(_ n: Int) throws {
        if count + n > capacity { throw ModelError.contextFull(needed: count + n, capacity: capacity) }
    }
}
