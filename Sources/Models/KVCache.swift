/// Keys and values of every layer for the positions seen so far: the state of one sequence.
///
/// Layout per layer: `capacity × keyWidth` keys then `capacity × valueWidth` values, F32, position-major.
/// `count` positions are valid. Truncating keeps a prefix, so a chat turn that shares its start with the
/// previous one recomputes only the new part. Sliding-window layers keep every position too; their
/// attention masks what lies outside the window.
public final class KVCache {
    public let layers: Int
    /// Most positions this cache can hold.
    public let capacity: Int
    public let keyWidth: Int
    public let valueWidth: Int
    /// Number of valid positions (the next token's position).
    public private(set) var count: Int = 0
    private let storage: UnsafeMutablePointer<Float>

    /// An empty cache. Prefer `LanguageModel.makeCache(maxTokens:)`, which fills in the widths.
    public init(layers: Int, capacity: Int, keyWidth: Int, valueWidth: Int) {
        self.layers = layers
        self.capacity = max(0, capacity)
        self.keyWidth = keyWidth
        self.valueWidth = valueWidth
        let n = max(1, layers * self.capacity * (keyWidth + valueWidth))
        // Not filled: a position is written before it is counted, and only counted positions are read.
        // Large allocations are mapped lazily, so an idle slot of a batch scheduler costs address space,
        // not memory, until its positions are used.
        storage = .allocate(capacity: n)
    }

    deinit { storage.deallocate() }

    /// Keys of `layer`: `capacity × keyWidth` values.
    func keys(_ layer: Int) -> UnsafeMutablePointer<Float> {
        storage + layer * capacity * (keyWidth + valueWidth)
    }

    /// Values of `layer`: `capacity × valueWidth` values.
    func values(_ layer: Int) -> UnsafeMutablePointer<Float> {
        keys(layer) + capacity * keyWidth
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
