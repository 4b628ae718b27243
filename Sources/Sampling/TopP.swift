/// Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities sum to at least
/// `p` (the token that crosses `p` is kept; at least one token always stays).
///
/// Efficient on large vocabularies: the normalizer is one O(V) pass; then the top 64 by partial
/// selection usually hold mass `p` already (peaked model distributions). When they do not (a flat
/// distribution), a 256-bucket histogram of logits below the maximum finds the bucket where the
/// cumulative mass crosses `p`: tokens in higher buckets are kept without sorting, and only that one
/// bucket's tokens are sorted to find the exact cut. The kept set is then not in sorted order.
public struct TopP: LogitProcessor {
    public let p: Float
    static let firstRound = 64
    static let buckets = 256

    /// - Throws: `SamplingError.invalid` unless `0 < p ≤ 1`.
    public init(_ p: Float) throws {
        guard p > 0, p <= 1 else { throw SamplingError.invalid(setting: "topP", requirement: "in (0, 1]", got: String(p)) }
        self.p = p
    }

    public func process(_ c: TokenCandidates, history: ArraySlice<Int32>) {
        guard p < 1, c.count > 1 else { return }
        let logZ = c.logSumExp()
        guard logZ.isFinite else { return }
        if c.isSortedDescending {
            _ = cut(c, from: 0, mass: 0, logZ: logZ)
            return
        }
        c.selectTop(min(Self.firstRound, c.count))
        if cut(c, from: 0, upTo: c.sortedPrefix, mass: 0, logZ: logZ) { return }
        narrow(c, logZ: logZ)
    }

    /// Walks entries `start..<end` (sorted descending), adding their probability to `mass`; truncates
    /// after the entry where it reaches `p`. False when it never does (everything stays).
    func cut(_ c: TokenCandidates, from start: Int, upTo end: Int? = nil, mass: Float, logZ: Float) -> Bool {
        var mass = mass
        for i in start..<(end ?? c.count) {
            mass += FastExp.exp(c.logits[i] - logZ)
            if mass >= p {
                c.truncate(i + 1)
                return true
            }
        }
        return false
    }

    /// Histogram over `[max − span, max]` (span ≤ 40: e^-40 is negligible); bucket `b*` is where the mass
    /// accumulated from the top reaches `p`. Keeps buckets above `b*` (unsorted) followed by `b*` sorted,
    /// then cuts inside `b*`.
    func narrow(_ c: TokenCandidates, logZ: Float) {
        let top = c.maxLogit()
        var bottom = top
        for i in 0..<c.count where c.logits[i] > -.infinity { bottom = min(bottom, c.logits[i]) }
        let span = min(max(top - bottom, 1e-6), 40)
        let scale = Float(Self.buckets) / span
        let crossing: (bucket: UInt16, massBefore: Float)? = withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.buckets + 1) { mass in
            mass.initialize(repeating: 0)
            // Bucket of each entry into `tags` (buckets = beyond the span), probabilities 8 at a time.
            var i = 0
            while i < c.count {
                let n = min(8, c.count - i)
                var chunk = SIMD8<Float>(repeating: -.infinity)
                for j in 0..<n { chunk[j] = c.logits[i + j] }
                let w = FastExp.exp(chunk - logZ)
                let below = (top - chunk) * scale
                for j in 0..<n {
                    let b = below[j] <= Float(Self.buckets) ? min(Int(below[j]), Self.buckets - 1) : Self.buckets
                    c.tags[i + j] = UInt16(b)
                    mass[b] += w[j]
                }
                i += 8
            }
            var cumulative: Float = 0
            for b in 0..<Self.buckets {
                if cumulative + mass[b] >= p { return (UInt16(b), cumulative) }
                cumulative += mass[b]
            }
            return nil
        }
        guard let crossing else { return }  // rounding: the histogram never reached p, keep everything
        // Compact: buckets above b* first, then b*; everything below is dropped.
        var above = 0
        for r in 0..<c.count where c.tags[r] < crossing.bucket {
            c.swapAt(above, r)
            above += 1
        }
        var kept = above
        for r in above..<c.count where c.tags[r] == crossing.bucket {
            c.swapAt(kept, r)
            kept += 1
        }
        c.count = kept
        c.isIdentityOrder = false
        c.isSortedDescending = false
        c.sortedPrefix = 0
        c.select(kept - above, in: above..<kept)
        _ = cut(c, from: above, mass: crossing.massBefore, logZ: logZ)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
