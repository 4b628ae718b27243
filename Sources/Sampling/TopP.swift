/// Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities sum to at least
/// `p` (the token that crosses `p` is kept; at least one token always stays).
///
/// Efficient on large vocabularies: the normalizer is one O(V) pass; then the top 64 by partial
/// selection usually hold mass `p` already (peaked model distributions). When they do not (a flat
/// distribution), a 256-bucket histogram of logits below the maximum finds the logit range where the
/// cumulative mass crosses `p`, and only the tokens above that bucket's floor are sorted.
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
        if !c.isSortedDescending {
            c.selectTop(min(Self.firstRound, c.count))
            if cut(c, upTo: c.sortedPrefix, logZ: logZ) { return }
            narrow(c, logZ: logZ)
            c.sortAll()
        }
        // When rounding leaves the total just under p, nothing is cut: all tokens stay.
        _ = cut(c, upTo: c.count, logZ: logZ)
    }

    /// Walks the sorted head; truncates after the token where the cumulative mass reaches `p`.
    func cut(_ c: TokenCandidates, upTo n: Int, logZ: Float) -> Bool {
        var mass: Float = 0
        for i in 0..<n {
            mass += expf(c.logits[i] - logZ)
            if mass >= p {
                c.truncate(i + 1)
                return true
            }
        }
        return false
    }

    /// Drops every token below the floor of the histogram bucket in which the mass, accumulated from the
    /// maximum down, reaches `p`. Buckets split `[max − span, max]`, span ≤ 40 (e^-40 is negligible).
    func narrow(_ c: TokenCandidates, logZ: Float) {
        var top = -Float.infinity, bottom = Float.infinity
        for i in 0..<c.count where c.logits[i] > -.infinity {
            top = max(top, c.logits[i]); bottom = min(bottom, c.logits[i])
        }
        let span = min(max(top - bottom, 1e-6), 40)
        let scale = Float(Self.buckets) / span
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.buckets) { mass in
            mass.initialize(repeating: 0)
            for i in 0..<c.count {
                let below = top - c.logits[i]
                guard below <= span else { continue }
                let b = min(Int(below * scale), Self.buckets - 1)
                mass[b] += expf(c.logits[i] - logZ)
            }
            var cumulative: Float = 0
            for b in 0..<Self.buckets {
                cumulative += mass[b]
                if cumulative >= p {
                    // Slightly below the bucket floor, so rounding in the bucket index never drops a member.
                    c.keep(atLeast: top - Float(b + 1) / scale - span * 1e-6)
                    return
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
