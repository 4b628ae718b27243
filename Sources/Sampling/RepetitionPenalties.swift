/// Penalties on tokens seen in the last `lastN` tokens of history, with llama.cpp's semantics: for a
/// token seen `c ≥ 1` times,
///
///     l ← l / repeat   if l > 0,   l ← l · repeat   otherwise      (repetition, applied once)
///     l ← l − c · frequency − presence                                (OpenAI-style additive)
///
/// Counting uses a vocabulary-sized table allocated once, so a step costs O(lastN) and allocates nothing.
public final class RepetitionPenalties: LogitProcessor {
    public let repeatPenalty: Float
    public let presencePenalty: Float
    public let frequencyPenalty: Float
    /// How many recent tokens count; -1 means the whole history, 0 turns the penalties off.
    public let lastN: Int
    private let counts: UnsafeMutablePointer<Int32>
    private let vocabSize: Int

    /// - Throws: `SamplingError.invalid` for `repeatPenalty ≤ 0`, non-finite penalties or `lastN < -1`.
    public init(repeatPenalty: Float = 1, presencePenalty: Float = 0, frequencyPenalty: Float = 0,
                lastN: Int = 64, vocabSize: Int) throws {
        guard repeatPenalty > 0, repeatPenalty.isFinite else {
            throw SamplingError.invalid(setting: "repeatPenalty", requirement: "> 0 (1 disables it)", got: String(repeatPenalty))
        }
        guard presencePenalty.isFinite else {
            throw SamplingError.invalid(setting: "presencePenalty", requirement: "a finite number", got: String(presencePenalty))
        }
        guard frequencyPenalty.isFinite else {
            throw SamplingError.invalid(setting: "frequencyPenalty", requirement: "a finite number", got: String(frequencyPenalty))
        }
        guard lastN >= -1 else {
            throw SamplingError.invalid(setting: "repeatLastN", requirement: "≥ -1 (-1: whole history, 0: off)", got: String(lastN))
        }
        self.repeatPenalty = repeatPenalty
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.lastN = lastN
        self.vocabSize = max(1, vocabSize)
        counts = .allocate(capacity: self.vocabSize)
        counts.initialize(repeating: 0, count: self.vocabSize)
    }

    deinit { counts.deallocate() }

    /// Whether any penalty would change a logit.
    public var isActive: Bool {
        lastN != 0 && (repeatPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0)
    }

    public func process(_ candidates: TokenCandidates, history: ArraySlice<Int32>) {
        guard isActive else { return }
        let window = lastN < 0 ? history : history.suffix(lastN)
        for t in window where t >= 0 && Int(t) < vocabSize { counts[Int(t)] += 1 }
        for t in window where t >= 0 && Int(t) < vocabSize && counts[Int(t)] > 0 {
            let c = Float(counts[Int(t)])
            counts[Int(t)] = 0  // each distinct token once; leaves the table zeroed for the next step
            candidates.update(token: t) { l in
                let repeated = l > 0 ? l / repeatPenalty : l * repeatPenalty
                return repeated - c * frequencyPenalty - presencePenalty
            }
        }
    }
}
