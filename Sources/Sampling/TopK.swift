/// Keeps the `k` tokens with the largest logits, by partial selection (a size-k heap, O(V log k)),
/// never a full sort of the vocabulary. The kept tokens end sorted by descending logit.
public struct TopK: LogitProcessor {
    public let k: Int

    /// - Throws: `SamplingError.invalid` when `k < 1`.
    public init(_ k: Int) throws {
        guard k >= 1 else { throw SamplingError.invalid(setting: "topK", requirement: "≥ 1", got: String(k)) }
        self.k = k
    }

    public func process(_ candidates: TokenCandidates, history: ArraySlice<Int32>) {
        guard k < candidates.count else { return }
        candidates.selectTop(k)
        candidates.truncate(k)
    }
}
