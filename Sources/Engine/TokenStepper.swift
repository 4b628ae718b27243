import Models
import Sampling
import Tokenizer

/// The per-token rules of one generation, shared by `GenerationSession` and `BatchScheduler` so a
/// sequence yields the same tokens and text whichever runs it: sample (with the sequence's own sampler
/// and history), log-probabilities when asked, end-of-generation tokens, detokenization without split
/// UTF-8, stop strings held back until they are ruled out, and the max-tokens limit.
struct TokenStepper {
    let options: GenerationOptions
    let sampler: Sampler
    private var detokenizer: StreamingDetokenizer
    private var stopMatcher: StopMatcher
    private var history: [Int32]
    private let eog: Set<Int>
    private(set) var result = GenerationResult()

    init(prompt: [Int32], options: GenerationOptions, sampler: Sampler, stop: [String], tokenizer: any TextTokenizer) {
        self.options = options
        self.sampler = sampler
        detokenizer = tokenizer.makeStreamingDetokenizer(renderSpecial: false)
        stopMatcher = StopMatcher(stops: stop)
        history = prompt
        eog = tokenizer.endOfGenerationIDs
        result.timings.promptTokens = prompt.count
    }

    /// What to do after a step.
    enum Next {
        /// Feed this token to the model and call `step` again with its logits.
        case feed(Int32)
        /// The generation ended (the reason is set; call `finish`).
        case done
    }

    /// Whether no token may be generated at all (`maxTokens` is 0).
    var isExhausted: Bool { options.maxTokens <= 0 }

    /// One generated token from the last position's logits `row`; `emit` gets it with its text.
    /// - Parameter contextFull: true when the cache has no room for the token to be fed back.
    mutating func step(logits row: [Float], contextFull: Bool, emit: (GeneratedToken) -> Void) throws -> Next {
        let token = try sampler.sample(logits: row, history: history)
        var logprob: Float?
        var top: [(id: Int32, logprob: Float)] = []
        if options.logprobs > 0 {
            let lp = try sampler.logprobs(of: token, logits: row, top: options.logprobs)
            logprob = lp.logprob
            top = lp.top.map { (id: $0.token, logprob: $0.logprob) }
            result.logprobs.append((lp.logprob, top))
        }
        if eog.contains(Int(token)) && !options.ignoreEOS { result.finishReason = .stop; return .done }
        result.tokens.append(token)
        history.append(token)
        let (piece, stopped) = stopMatcher.feed(detokenizer.append(Int(token)))
        result.text += piece
        emit(GeneratedToken(id: token, text: piece, logprob: logprob, top: top))
        if stopped { result.finishReason = .stop; return .done }
        if result.tokens.count >= options.maxTokens || contextFull { result.finishReason = .length; return .done }
        return .feed(token)
    }

    /// Ends the generation with `reason` (unless a step already ended it with `.stop`) and emits the text
    /// still held back (an incomplete character, a possible stop string that never completed).
    mutating func finish(_ reason: FinishReason?, emit: (GeneratedToken) -> Void) {
        if let reason, result.finishReason != .stop { result.finishReason = reason }
        if result.finishReason != .stop {
            let tail = stopMatcher.feed(detokenizer.finish()).emit + stopMatcher.flush()
            if !tail.isEmpty {
                result.text += tail
                emit(GeneratedToken(id: -1, text: tail, logprob: nil, top: []))
            }
        }
        result.timings.generatedTokens = result.tokens.count
    }

    mutating func setTimings(cached: Int, promptMilliseconds: Double, generationMilliseconds: Double) {
        result.timings.cachedPromptTokens = cached
        result.timings.promptMilliseconds = promptMilliseconds
        result.timings.generationMilliseconds = generationMilliseconds
    }
}
