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
        try Self.fit(prompt, contextLength: contextLength, reserve: reserve, truncate: truncate)
    }

    /// `fit` for a context of `contextLength` positions.
    static func fit(_ prompt: [Int32], contextLength: Int, reserve: Int, truncate: Bool) throws -> [Int32] {
        let room = contextLength - max(1, min(reserve, contextLength / 4))
        if prompt.count <= room { return prompt }
        guard truncate else { throw EngineError.promptTooLong(tokens: prompt.count, context: contextLength) }
        let head = room / 4
        return Array(prompt[0..<head]) + Array(prompt[(prompt.count - (room - head))...])
    }

    /// Checks the request and fits its prompt (shared with `BatchScheduler`).
    static func admit(_ rawPrompt: [Int32], options: GenerationOptions, contextLength: Int) throws -> [Int32] {
        guard !rawPrompt.isEmpty else { throw EngineError.emptyPrompt }
        guard options.maxTokens >= 0 else { throw EngineError.invalidParameter("max tokens must be ≥ 0, got \(options.maxTokens)") }
        return try fit(rawPrompt, contextLength: contextLength, reserve: options.maxTokens, truncate: options.truncatePrompt)
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
        let prompt = try Self.admit(rawPrompt, options: options, contextLength: contextLength)
        var stepper = TokenStepper(prompt: prompt, options: options, sampler: sampler, stop: stop, tokenizer: tokenizer)

        // Reuse the longest common prefix; at least the last prompt token is recomputed for its logits.
        let common = Self.commonPrefix(tokens, prompt)
        cache.truncate(to: common)
        tokens.removeSubrange(common...)

        var clock = Stopwatch()
        var logits = try model.forward(tokens: Array(prompt[common...]), cache: cache, wantAllLogits: false, isPrompt: true)
        tokens += prompt[common...]
        let promptMilliseconds = clock.milliseconds
        clock.restart()

        var reason: FinishReason?
        if !stepper.isExhausted {
            while true {
                if isCancelled() { reason = .cancelled; break }
                let next = try stepper.step(logits: Array(logits.last), contextFull: tokens.count >= contextLength, emit: onToken)
                guard case .feed(let token) = next else { break }
                logits = try model.forward(tokens: [token], cache: cache)
                tokens.append(token)
            }
        }
        stepper.finish(reason, emit: onToken)
        stepper.setTimings(cached: common, promptMilliseconds: promptMilliseconds, generationMilliseconds: clock.milliseconds)
        return stepper.result
    }

    /// Length of the longest common prefix of `cached` and `prompt`, leaving at least the last prompt
    /// token to compute (its logits predict the first new token).
    static func commonPrefix(_ cached: [Int32], _ prompt: [Int32]) -> Int {
        var common = 0
        let limit = min(cached.count, prompt.count - 1)
        while common < limit && cached[common] == prompt[common] { common += 1 }
        return common
    }
}
