import Foundation
import Models
import Sampling
import Tokenizer

/// Limits and switches of one generation (the sampling chain is configured separately).
public struct GenerationOptions: Sendable {
    /// Most tokens to generate.
    public var maxTokens: Int = 256
    /// Keep generating past end-of-generation tokens (benchmarks).
    public var ignoreEOS = false
    /// Top alternatives to report with each token's log-probability (0: none).
    public var logprobs = 0
    /// When the prompt does not fit, keep its start and end instead of failing.
    public var truncatePrompt = false

    public init() {}
}

/// Why a generation ended (the OpenAI names: `stop` covers end-of-generation tokens and stop strings).
public enum FinishReason: String, Sendable {
    case stop, length, cancelled
}

/// One generated token as the caller sees it.
public struct GeneratedToken: Sendable {
    public let id: Int32
    /// The text this token completes (may be empty while a UTF-8 character or a possible stop string is pending).
    public let text: String
    /// Log-probability of the chosen token under the model (log-softmax of the raw logits), when asked.
    public let logprob: Float?
    /// The top alternatives `(id, logprob)`, best first, when asked.
    public let top: [(id: Int32, logprob: Float)]
}

/// The outcome of one generation.
public struct GenerationResult: Sendable {
    public var text = ""
    public var tokens: [Int32] = []
    public var finishReason = FinishReason.length
    public var timings = GenerationTimings()
    /// Per generated token: `(chosen logprob, top alternatives)` when logprobs were asked.
    public var logprobs: [(Float, [(id: Int32, logprob: Float)])] = []
}

/// One conversation with a model: its KV cache and the tokens in it. Not thread-safe; one generation at a time.
///
/// A new prompt that starts with tokens already in the cache reuses them: only the new suffix is computed,
/// so a chat turn does not recompute the conversation so far.
public final class GenerationSession {
    public let model: any LanguageModel
    public let tokenizer: any TextTokenizer
    public let cache: KVCache
    /// The tokens whose keys and values are in the cache, in order.
    public private(set) var tokens: [Int32] = []

    /// - Parameter contextLength: the context window (clamped to the model's training context).
    public init(model: any LanguageModel, tokenizer: any TextTokenizer, contextLength: Int) {
        self.model = model
        self.tokenizer = tokenizer
        self.cache = model.makeCache(maxTokens: contextLength)
    }

    public var contextLength: Int { cache.capacity }

    /// Forgets the conversation.
    public func reset() {
        cache.reset()
        tokens = []
    }

    /// Fits `prompt` into the context: unchanged when it fits with room for one token; otherwise an error,
    /// or with `truncate`, its first quarter and its end.
    public func fit(_ prompt: [Int32], reserve: Int, truncate: Bool) throws -> [Int32] {
        let room = contextLength - max(1, min(reserve, contextLength / 4))
        if prompt.count <= room { return prompt }
        guard truncate else { throw EngineError.promptTooLong(tokens: prompt.count, context: contextLength) }
        let head = room / 4
        return Array(prompt[0..<head]) + Array(prompt[(prompt.count - (room - head))...])
    }

    /// Generates a continuation of `prompt` (the whole conversation so far, as token ids).
    /// - Parameters:
    ///   - sampler: picks each token (its RNG and penalties advance).
    ///   - stop: stop strings; nothing from a stop string on is emitted.
    ///   - isCancelled: polled between tokens; true ends the generation with `.cancelled`.
    ///   - onToken: called for each generated token, in order.
    /// - Throws: `EngineError`, `ModelError`, `SamplingError`.
    public func generate(prompt rawPrompt: [Int32], options: GenerationOptions, sampler: Sampler,
                         stop: [String] = [], isCancelled: () -> Bool = { false },
                         onToken: (GeneratedToken) -> Void) throws -> GenerationResult {
        guard !rawPrompt.isEmpty else { throw EngineError.emptyPrompt }
        guard options.maxTokens >= 0 else { throw EngineError.invalidParameter("max tokens must be ≥ 0, got \(options.maxTokens)") }
        let prompt = try fit(rawPrompt, reserve: options.maxTokens, truncate: options.truncatePrompt)
        var result = GenerationResult()
        result.timings.promptTokens = prompt.count

        // Reuse the longest common prefix; at least the last prompt token is recomputed for its logits.
        var common = 0
        while common < min(tokens.count, prompt.count - 1) && tokens[common] == prompt[common] { common += 1 }
        cache.truncate(to: common)
        tokens.removeSubrange(common...)
        result.timings.cachedPromptTokens = common

        var clock = Stopwatch()
        var logits = try model.forward(tokens: Array(prompt[common...]), cache: cache)
        tokens += prompt[common...]
        result.timings.promptMilliseconds = clock.milliseconds
        clock.restart()

        var detokenizer = tokenizer.makeStreamingDetokenizer(renderSpecial: false)
        var stopMatcher = StopMatcher(stops: stop)
        var history = prompt
        let eog = tokenizer.endOfGenerationIDs
        var finish = FinishReason.length
        for step in 0..<options.maxTokens {
            if isCancelled() { finish = .cancelled; break }
            let row = Array(logits.last)
            let token = try sampler.sample(logits: row, history: history)
            var logprob: Float?
            var top: [(id: Int32, logprob: Float)] = []
            if options.logprobs > 0 {
                let lp = try sampler.logprobs(of: token, logits: row, top: options.logprobs)
                logprob = lp.logprob
                top = lp.top.map { (id: $0.token, logprob: $0.logprob) }
                result.logprobs.append((lp.logprob, top))
            }
            if eog.contains(Int(token)) && !options.ignoreEOS { finish = .stop; break }
            result.tokens.append(token)
            history.append(token)
            let (piece, stopped) = stopMatcher.feed(detokenizer.append(Int(token)))
            result.text += piece
            onToken(GeneratedToken(id: token, text: piece, logprob: logprob, top: top))
            if stopped { finish = .stop; break }
            if step == options.maxTokens - 1 { break }
            if tokens.count >= contextLength { finish = .length; break }
            logits = try model.forward(tokens: [token], cache: cache)
            tokens.append(token)
        }
        if finish != .stop {
            let tail = stopMatcher.feed(detokenizer.finish()).emit + stopMatcher.flush()
            if !tail.isEmpty {
                result.text += tail
                onToken(GeneratedToken(id: -1, text: tail, logprob: nil, top: []))
            }
        }
        result.finishReason = finish
        result.timings.generatedTokens = result.tokens.count
        result.timings.generationMilliseconds = clock.milliseconds
        return result
    }
}
