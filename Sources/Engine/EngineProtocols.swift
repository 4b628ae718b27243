/// What the engine needs from a tokenizer. The `Tokenizer` module's types conform in Engine+Adapters.swift;
/// keeping the engine on this small surface lets tests drive it with tiny vocabularies.
public protocol EngineTokenizer: Sendable {
    /// Token ids of `text`. `addSpecial` adds what the model asks for (BOS/EOS); `parseSpecial` turns
    /// special-token text such as `<|im_start|>` into its id instead of tokenizing it as characters.
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32]
    /// The bytes a token stands for (special tokens render as their text).
    func bytes(of token: Int32) -> [UInt8]
    /// Tokens that end a generation (end of text, end of turn).
    var endOfGenerationTokens: Set<Int32> { get }
    /// Text of the BOS/EOS tokens, for chat templates.
    var bosText: String? { get }
    var eosText: String? { get }
    /// Whether the model wants BOS at the start of a prompt.
    var addsBOS: Bool { get }
}

/// Picks the next token from logits. One per generation: it may hold RNG state and penalties.
public protocol TokenSampler {
    /// The chosen token; `logits` may be modified in place (penalties, temperature, filtering).
    mutating func sample(logits: inout [Float], history: [Int32]) -> Int32
}

/// Finds stop strings in streamed text, holding back what could be the start of one.
public protocol StopStringFilter {
    /// Feeds new text; returns the text safe to emit and whether a stop string was reached
    /// (nothing from the stop string on is emitted).
    mutating func feed(_ text: String) -> (emit: String, stopped: Bool)
    /// The text held back at the end of a generation that did not stop on a string.
    mutating func flush() -> String
}
