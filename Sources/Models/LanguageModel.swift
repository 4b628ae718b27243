import Checkpoint
import Kernels

/// How weights are stored and multiplied.
public enum ComputeMode: String, Sendable, CaseIterable {
    /// Weights dequantized to F32 at load; F32 math throughout (OpenBLAS GEMM). Matches an exact
    /// float64 reference to about 1e-4 in the logits; uses 4 bytes per weight.
    case reference
    /// Weights stay quantized in the memory-mapped file; activations are rounded to 8-bit blocks
    /// and multiplied with integer dot products, like llama.cpp. Types without a quantized kernel
    /// fall back to F32.
    case fast
}

/// Options for `ModelRegistry.load`.
public struct LoadOptions: Sendable {
    public var mode: ComputeMode
    /// Worker threads for matrix products and attention.
    public var threads: Int
    /// Per-op timing of every forward call (`owl bench --profile`); nil: off.
    public var profiler: Profiler?

    public init(mode: ComputeMode = .fast, threads: Int = 1, profiler: Profiler? = nil) {
        self.mode = mode
        self.threads = max(1, threads)
        self.profiler = profiler
    }
}

/// Logits of one forward call: `positions` rows of `vocabularySize` values, token-major.
public struct Logits: Sendable {
    public let vocabularySize: Int
    /// Number of rows: the number of input tokens, or 1 when only the last position was asked for.
    public let positions: Int
    public let values: [Float]

    public init(vocabularySize: Int, positions: Int, values: [Float]) {
        self.vocabularySize = vocabularySize
        self.positions = positions
        self.values = values
    }

    /// Row `i` (0-based among the returned positions).
    public func row(_ i: Int) -> ArraySlice<Float> { values[(i * vocabularySize)..<((i + 1) * vocabularySize)] }

    /// The last position's logits (the ones that predict the next token).
    public var last: ArraySlice<Float> { row(positions - 1) }
}

/// One sequence of a batched forward: new tokens appended to the sequence held in its own cache.
/// Positions continue from `cache.count`.
public struct SequenceInput {
    /// The new tokens: one for a decode step, several for (a chunk of) a prompt.
    public var tokens: [Int32]
    public var cache: KVCache
    /// Logits for every new position (perplexity) instead of the last only.
    public var wantAllLogits: Bool
    /// False: no logits at all (a prompt chunk that is not the prompt's last): the output head, a
    /// vocabulary-sized product, is skipped and the sequence's `Logits` has no positions.
    public var wantLogits: Bool
    /// Prompt tokens take the prefill kernels, decode steps the one-row kernels, whatever their count: the
    /// rest of a prompt behind a cached prefix (even one token) then gives the numbers the whole prompt
    /// would, and a decode step the same numbers alone or batched. Default: more than one token.
    public var isPrompt: Bool

    public init(tokens: [Int32], cache: KVCache, wantAllLogits: Bool = false, isPrompt: Bool? = nil,
                wantLogits: Bool = true) {
        self.tokens = tokens
        self.cache = cache
        self.wantAllLogits = wantAllLogits
        self.wantLogits = wantLogits
        self.isPrompt = isPrompt ?? (tokens.count > 1)
    }
}

/// A decoder-only language model: token ids in, next-token logits out, state in a `KVCache`.
public protocol LanguageModel: AnyObject, Sendable {
    /// Hyperparameters read from the checkpoint.
    var config: ModelConfig { get }

    /// An empty cache for up to `maxTokens` positions (clamped to the model's context length).
    func makeCache(maxTokens: Int) -> KVCache

    /// How this model's caches store keys and values: `KVCache.Precision(mode:)` of the mode it was loaded in.
    var cachePrecision: KVCache.Precision { get }

    /// Appends each sequence's tokens to its own cache in one pass: every weight matrix is applied once to
    /// the rows of all sequences together, attention runs per sequence against its own cache. Returns one
    /// `Logits` per sequence, in order. The single-sequence `forward` is the one-element batch.
    /// - Throws: `ModelError.contextFull`, `.invalidToken`, `.emptyInput`, `.cacheMismatch`,
    ///   `.cacheInBatchTwice`; checked for every sequence before anything is written, so on error every
    ///   cache is unchanged.
    func forward(batch: [SequenceInput]) throws -> [Logits]
}

extension LanguageModel {
    /// A cache sized from the config: one K and V row per layer and position, at most the training context,
    /// in `cachePrecision`.
    public func makeCache(maxTokens: Int) -> KVCache {
        KVCache(layers: config.layerCount, capacity: min(maxTokens, config.contextLength),
                keyWidth: config.keyWidth, valueWidth: config.valueWidth, precision: cachePrecision)
    }

    /// Appends `tokens` to the sequence in `cache` (one batch; the cache grows by `tokens.count`)
    /// and returns logits.
    /// - Parameters:
    ///   - wantAllLogits: logits for every input position (perplexity) instead of the last only.
    ///   - isPrompt: which kernel family the rows take (`SequenceInput.isPrompt`); default: more than one token.
    /// - Throws: `ModelError.contextFull` (the cache is unchanged), `.invalidToken`, `.emptyInput`,
    ///   `.cacheMismatch`.
    ///
    /// A long prompt whose last logits are wanted runs in chunks of `prefillChunk` tokens: the work
    /// buffers then hold one chunk, not the whole prompt, and since prompt rows never depend on the other
    /// rows of a call the logits are the same bit for bit. Tokens and room are checked before the first
    /// chunk, so an error still leaves the cache unchanged.
    public func forward(tokens: [Int32], cache: KVCache, wantAllLogits: Bool, isPrompt: Bool? = nil) throws -> Logits {
        let prompt = isPrompt ?? (tokens.count > 1)
        if !wantAllLogits && tokens.count > prefillChunk {
            try Decoder.check(tokens, cache: cache, config: config)
            var at = 0
            while tokens.count - at > prefillChunk {
                _ = try forwardOne(Array(tokens[at..<(at + prefillChunk)]), cache: cache, wantAllLogits: false,
                                   isPrompt: prompt, wantLogits: false)
                at += prefillChunk
            }
            return try forwardOne(Array(tokens[at...]), cache: cache, wantAllLogits: false, isPrompt: prompt)
        }
        return try forwardOne(tokens, cache: cache, wantAllLogits: wantAllLogits, isPrompt: prompt)
    }

    /// Rows per forward call when a long prompt is split (see `forward(tokens:cache:wantAllLogits:isPrompt:)`).
    public var prefillChunk: Int { 128 }

    private func forwardOne(_ tokens: [Int32], cache: KVCache, wantAllLogits: Bool, isPrompt: Bool,
                            wantLogits: Bool = true) throws -> Logits {
        let out = try forward(batch: [SequenceInput(tokens: tokens, cache: cache, wantAllLogits: wantAllLogits,
                                                    isPrompt: isPrompt, wantLogits: wantLogits)])
        guard let logits = out.first else { throw ModelError.emptyInput }
        return logits
    }

    /// Last-position logits of `tokens` appended to `cache`.
    public func forward(tokens: [Int32], cache: KVCache) throws -> Logits {
        try forward(tokens: tokens, cache: cache, wantAllLogits: false)
    }
}
