/// Keeps tokens whose probability is at least `p` times the most likely token's:
/// `softmax(l)_i ≥ p · max softmax(l)  ⇔  l_i ≥ max(l) + ln p`, so no softmax is needed. O(n), order kept.
public struct MinP: LogitProcessor {
    public let p: Float

    /// - Throws: `SamplingError.invalid` unless `0 ≤ p ≤ 1`.
    public init(_ p: Float) throws {
        guard p >= 0, p <= 1 else { throw SamplingError.invalid(setting: "minP", requirement: "in [0, 1]", got: String(p)) }
        self.p = p
    }

    public func process(_ candidates: TokenCandidates, history: ArraySlice<Int32>) {
        guard p > 0, candidates.count > 1 else { return }
        let best = candidates.argmax()
        let threshold = candidates.logits[best] + logf(p)
        candidates.keep(atLeast: threshold)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
