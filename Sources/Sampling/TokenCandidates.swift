/// The working set of a sampling step: parallel `(token, logit)` arrays, filtered and reordered in place
/// by the processors. Storage is allocated once for the whole vocabulary and reused every step.
///
/// Invariants: `count ≤ capacity`; when `isIdentityOrder` the set is the whole vocabulary in id order
/// (`token(i) == i`), so processors that target ids (bias, penalties) index directly; when
/// `isSortedDescending` the logits are in descending order.
public final class TokenCandidates {
    public let capacity: Int
    let ids: UnsafeMutablePointer<Int32>
    let logits: UnsafeMutablePointer<Float>
    /// Per-entry scratch for processors (top-p's histogram bucket of each entry).
    let tags: UnsafeMutablePointer<UInt16>
    public internal(set) var count: Int = 0
    public internal(set) var isIdentityOrder = false
    public internal(set) var isSortedDescending = false

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        ids = .allocate(capacity: self.capacity)
        logits = .allocate(capacity: self.capacity)
        tags = .allocate(capacity: self.capacity)
    }

    /// A set holding `logits` for tokens `0..<logits.count` (for tests and one-off use).
    public convenience init(logits values: [Float]) {
        self.init(capacity: values.count)
        values.withUnsafeBufferPointer { load($0) }
    }

    deinit {
        ids.deallocate()
        logits.deallocate()
        tags.deallocate()
    }

    /// Resets to the whole vocabulary in id order with the model's logits (at most `capacity`).
    public func load(_ values: UnsafeBufferPointer<Float>) {
        count = min(values.count, capacity)
        for i in 0..<count {
            ids[i] = Int32(i)
            logits[i] = values[i]
        }
        isIdentityOrder = true
        isSortedDescending = false
        sortedPrefix = 0
    }

    public func token(at i: Int) -> Int32 { ids[i] }
    public func logit(at i: Int) -> Float { logits[i] }

    /// The remaining tokens and logits, in their current order (allocates; for tests and logging).
    public var tokens: [Int32] { (0..<count).map { ids[$0] } }
    public var logitValues: [Float] { (0..<count).map { logits[$0] } }

    /// Sets one token's logit; O(1) in identity order, a scan otherwise.
    func update(token: Int32, _ transform: (Float) -> Float) {
        if isIdentityOrder {
            let i = Int(token)
            if i >= 0, i < count { logits[i] = transform(logits[i]) }
            return
        }
        for i in 0..<count where ids[i] == token {
            logits[i] = transform(logits[i])
            return
        }
    }

    /// Index of the largest logit (the first one on ties); -1 when empty.
    func argmax() -> Int {
        guard count > 0 else { return -1 }
        if isSortedDescending { return 0 }
        var best = 0
        var bestValue = logits[0]
        for i in 1..<count where logits[i] > bestValue {
            best = i
            bestValue = logits[i]
        }
        return best
    }

    /// Swaps two entries (token, logit and tag).
    @inline(__always)
    func swapAt(_ i: Int, _ j: Int) {
        let id = ids[i], l = logits[i], t = tags[i]
        ids[i] = ids[j]; logits[i] = logits[j]; tags[i] = tags[j]
        ids[j] = id; logits[j] = l; tags[j] = t
    }

    /// Moves the `k` largest logits to the front, sorted descending, in O(n log k) (see `select`).
    func selectTop(_ k: Int) {
        let k = min(k, count)
        guard k > 0, !isSortedDescending else { return }
        select(k, in: 0..<count)
        isIdentityOrder = false
        isSortedDescending = k == count
        sortedPrefix = k
    }

    /// Moves the `k` largest of `range` to its start, sorted descending: a size-k min-heap built in
    /// place at the start of the range, so most elements cost one comparison with the heap's root,
    /// then a heap sort of those k. Equal logits order by ascending id.
    func select(_ k: Int, in range: Range<Int>) {
        let k = min(k, range.count)
        guard k > 0 else { return }
        let ids = self.ids + range.lowerBound, logits = self.logits + range.lowerBound
        // Strict order: lower logit first, then higher id (so equal logits prefer the lower id).
        @inline(__always) func less(_ a: Int, _ b: Int) -> Bool {
            logits[a] < logits[b] || (logits[a] == logits[b] && ids[a] > ids[b])
        }
        @inline(__always) func swap(_ a: Int, _ b: Int) {
            let id = ids[a], l = logits[a]
            ids[a] = ids[b]; logits[a] = logits[b]
            ids[b] = id; logits[b] = l
        }
        // Heap order: logits[parent] ≤ logits[child] (the minimum at index 0).
        func siftDown(_ start: Int, _ end: Int) {
            var root = start
            while true {
                let left = 2 * root + 1
                if left >= end { return }
                var smallest = left
                if left + 1 < end, less(left + 1, left) { smallest = left + 1 }
                if less(smallest, root) { swap(smallest, root); root = smallest } else { return }
            }
        }
        var i = k / 2
        while i > 0 { i -= 1; siftDown(i, k) }
        for j in k..<range.count where less(0, j) {
            swap(0, j)
            siftDown(0, k)
        }
        // Heap sort the k into descending order (pop the minimum to the back).
        var end = k
        while end > 1 {
            end -= 1
            swap(0, end)
            siftDown(0, end)
        }
    }

    /// After `selectTop(k)`, the first `sortedPrefix` entries are the largest, sorted descending.
    var sortedPrefix = 0

    /// Keeps the first `n` entries.
    func truncate(_ n: Int) {
        count = min(count, max(0, n))
        if sortedPrefix >= count { isSortedDescending = true }
        isIdentityOrder = false
    }

    /// Sorts everything descending (used when a processor needs the full order).
    func sortAll() {
        if isSortedDescending { return }
        selectTop(count)
    }

    /// Keeps the entries whose logit is ≥ `threshold`, preserving order.
    func keep(atLeast threshold: Float) {
        var w = 0
        for r in 0..<count where logits[r] >= threshold {
            ids[w] = ids[r]; logits[w] = logits[r]; w += 1
        }
        if w != count { isIdentityOrder = false }
        count = w
        sortedPrefix = min(sortedPrefix, w)
        if w > 0 && sortedPrefix >= w { isSortedDescending = true }
    }

    /// log Σ exp(logit) over the current set, computed stably around the maximum.
    func logSumExp() -> Float {
        guard count > 0 else { return -.infinity }
        let m = maxLogit()
        if m == -.infinity { return m }
        return m + logf(FastExp.sum(logits, count: count, minus: m))
    }

    /// The largest logit (-infinity when empty).
    func maxLogit() -> Float {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, logits[i]) }
        return m
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
