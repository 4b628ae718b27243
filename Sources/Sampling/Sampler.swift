/// Picks the next token from a logit vector: logit bias → penalties → top-k → top-p → min-p →
/// temperature → a draw from the softmax of what is left, with a seeded xoshiro256** generator.
/// At temperature 0 the draw is replaced by the argmax (after bias and penalties).
///
/// Set-up allocates the working set for the whole vocabulary once; a step then allocates nothing.
/// One sampler per generation stream (it carries the generator's state); not thread-safe.
public final class Sampler {
    public let config: SamplerConfig
    public let vocabSize: Int
    /// The seed in use (the configured one, or the fresh one drawn when none was given).
    public let seed: UInt64
    public private(set) var rng: Xoshiro256
    /// The processors in the order they run (bias and penalties first, temperature last).
    public let chain: [LogitProcessor]
    let candidates: TokenCandidates
    let scratch: TokenCandidates
    var lastToken: Int32 = -1
    var lastWasGreedy = false

    /// - Throws: `SamplingError.invalid` naming the first invalid setting.
    public init(config: SamplerConfig, vocabSize: Int) throws {
        guard vocabSize >= 1 else {
            throw SamplingError.invalid(setting: "vocabSize", requirement: "≥ 1", got: String(vocabSize))
        }
        guard config.temperature >= 0, config.temperature.isFinite else {
            throw SamplingError.invalid(setting: "temperature", requirement: "≥ 0 and finite", got: String(config.temperature))
        }
        var chain: [LogitProcessor] = []
        if !config.logitBias.isEmpty { chain.append(try LogitBias(config.logitBias, vocabSize: vocabSize)) }
        let penalties = try RepetitionPenalties(repeatPenalty: config.repeatPenalty,
                                                presencePenalty: config.presencePenalty,
                                                frequencyPenalty: config.frequencyPenalty,
                                                lastN: config.repeatLastN, vocabSize: vocabSize)
        if penalties.isActive { chain.append(penalties) }
        // Filters are validated even when greedy decoding will not run them.
        let topK = try config.topK.map { try TopK($0) }
        let topP = try config.topP.map { try TopP($0) }
        let minP = try config.minP.map { try MinP($0) }
        if config.temperature > 0 {
            if let topK { chain.append(topK) }
            if let topP { chain.append(topP) }
            if let minP { chain.append(minP) }
            chain.append(try Temperature(config.temperature))
        }
        self.config = config
        self.vocabSize = vocabSize
        self.chain = chain
        var system = SystemRandomNumberGenerator()
        self.seed = config.seed ?? system.next()
        self.rng = Xoshiro256(seed: seed)
        self.candidates = TokenCandidates(capacity: vocabSize)
        self.scratch = TokenCandidates(capacity: vocabSize)
    }

    /// The next token.
    /// - Parameters:
    ///   - logits: the model's raw logits, `vocabSize` of them (not modified).
    ///   - history: prompt and generated tokens so far, oldest first (for the penalties).
    /// - Throws: `SamplingError.invalid` when `logits.count != vocabSize`.
    public func sample(logits: UnsafeBufferPointer<Float>, history: ArraySlice<Int32>) throws -> Int32 {
        guard logits.count == vocabSize else {
            throw SamplingError.invalid(setting: "logits count", requirement: "the vocabulary size \(vocabSize)", got: String(logits.count))
        }
        candidates.load(logits)
        for p in chain { p.process(candidates, history: history) }
        let index: Int
        if config.temperature == 0 {
            index = candidates.argmax()
            lastWasGreedy = true
        } else {
            index = draw()
            lastWasGreedy = false
        }
        lastToken = candidates.ids[max(0, index)]
        return lastToken
    }

    public func sample(logits: [Float], history: [Int32] = []) throws -> Int32 {
        try logits.withUnsafeBufferPointer { try sample(logits: $0, history: history[...]) }
    }

    /// Inverse-CDF draw from softmax(candidates): u ~ U[0, Σ e^{l−max}), the first cumulative sum above u.
    func draw() -> Int {
        let c = candidates
        guard c.count > 1 else { return 0 }
        let m = c.maxLogit()
        guard m > -.infinity else { return 0 }  // everything banned: fall back to the first
        let total = FastExp.sum(c.logits, count: c.count, minus: m)
        let u = rng.nextUnitFloat() * total
        var cumulative: Float = 0
        var last = 0
        var i = 0
        while i < c.count {
            // Eight weights at a time, accumulated in order.
            let n = min(8, c.count - i)
            var chunk = SIMD8<Float>(repeating: -.infinity)
            for j in 0..<n { chunk[j] = c.logits[i + j] }
            let w = FastExp.exp(chunk - m)
            for j in 0..<n where w[j] > 0 {
                cumulative += w[j]
                last = i + j
                if cumulative > u { return i + j }
            }
            i += 8
        }
        return last  // rounding: u landed past the last cumulative sum
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
