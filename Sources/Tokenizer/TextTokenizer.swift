/// What every tokenizer offers the engine, the embedding path and the CLI.
///
/// Token ids are `Int`. Text goes in as UTF-8 (invalid bytes become U+FFFD); pieces come out as bytes,
/// because one token may hold part of a UTF-8 character (use `StreamingDetokenizer` to print them).
public protocol TextTokenizer: Sendable {
    /// Number of token ids (embedding rows).
    var vocabularySize: Int { get }
    /// The algorithm, for display: `byte-level BPE (smollm)`, `SentencePiece BPE`, `WordPiece`.
    var kind: String { get }
    /// Beginning-of-sequence token (`[CLS]` for WordPiece), when the model has one.
    var bosID: Int? { get }
    /// End-of-sequence token (`[SEP]` for WordPiece), when the model has one.
    var eosID: Int? { get }
    /// Tokens that end generation: eos/eot/eom from the metadata plus each family's end-of-turn tokens.
    var endOfGenerationIDs: Set<Int> { get }
    /// Tokens `encode(addSpecial: true)` puts in front and behind (BOS/EOS as the model asks; `[CLS]`/`[SEP]`).
    var addsBOS: Bool { get }
    var addsEOS: Bool { get }
    /// The longest input the model takes in one sequence when the model says so (MiniLM: 256, counting the
    /// special tokens); `encode` never truncates, `truncate(_:)` does.
    var maxSequenceLength: Int? { get }

    /// Token ids of `text`.
    /// - Parameters:
    ///   - addSpecial: add BOS/EOS (or `[CLS]`/`[SEP]`) as the model's metadata asks.
    ///   - parseSpecial: match special-token text (`<|im_start|>`, `[CLS]`) as single tokens; when false it
    ///     is tokenized as plain text (user-defined tokens are still matched, as llama.cpp does).
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int]

    /// The bytes token `id` stands for. Control tokens render as their text when `renderSpecial`, else as
    /// nothing; out-of-range ids render as nothing.
    func pieceBytes(_ id: Int, renderSpecial: Bool) -> [UInt8]

    /// Text of `ids` (invalid UTF-8 replaced by U+FFFD).
    /// - Parameters:
    ///   - removeSpecial: drop a leading BOS and trailing EOS that `encode(addSpecial: true)` would add.
    ///   - renderSpecial: render control tokens as their text; when false they are dropped.
    func decode(_ ids: [Int], removeSpecial: Bool, renderSpecial: Bool) -> String

    /// True for control and unknown tokens (what `renderSpecial: false` drops).
    func isControl(_ id: Int) -> Bool

    /// The text of token `id` as stored in the vocabulary (nil when out of range).
    func tokenText(_ id: Int) -> String?
}

extension TextTokenizer {
    /// `encode(text, addSpecial: false, parseSpecial: true)`.
    public func encode(_ text: String) -> [Int] { encode(text, addSpecial: false, parseSpecial: true) }

    /// `decode(ids, removeSpecial: false, renderSpecial: true)`.
    public func decode(_ ids: [Int]) -> String { decode(ids, removeSpecial: false, renderSpecial: true) }

    /// Cuts `ids` to `maxSequenceLength`, keeping the leading BOS/`[CLS]` and trailing EOS/`[SEP]` that
    /// `encode(addSpecial: true)` added (token-level cut, as Hugging Face's `longest_first` does for one text).
    public func truncate(_ ids: [Int]) -> [Int] {
        guard let limit = maxSequenceLength, ids.count > limit else { return ids }
        let head = addsBOS && ids.first == bosID ? 1 : 0
        let tail = addsEOS && ids.last == eosID && ids.count > head ? 1 : 0
        let keep = max(0, limit - head - tail)
        return Array(ids.prefix(head)) + Array(ids[head..<head + keep]) + (tail == 1 ? [ids[ids.count - 1]] : [])
    }

    /// A detokenizer that turns a stream of ids into text without splitting UTF-8 characters.
    public func makeStreamingDetokenizer(renderSpecial: Bool = false) -> StreamingDetokenizer {
        StreamingDetokenizer(tokenizer: self, renderSpecial: renderSpecial)
    }
}
