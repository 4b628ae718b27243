import Checkpoint

/// The tokenizer stored in a GGUF file's `tokenizer.ggml.*` metadata, behaving as llama.cpp's:
/// special-token split, then byte-level BPE (`gpt2`), SentencePiece BPE (`llama`) or WordPiece (`bert`).
public final class GGUFTokenizer: TextTokenizer, Sendable {
    enum Model: Sendable {
        case bpe(BPEModel, PreTokenizerKind)
        case sentencePiece(SentencePieceModel)
        case wordPiece(WordPieceModel<TokenIndex>)
    }

    let vocab: Vocabulary
    let model: Model
    let specials: SpecialTokenMatcher
    public let kind: String
    public let addsBOS: Bool
    public let addsEOS: Bool
    let addSpacePrefix: Bool
    let cleanSpaces: Bool

    public var vocabularySize: Int { vocab.count }
    public var bosID: Int? { vocab.bos }
    public var eosID: Int? { vocab.eos }
    public var endOfGenerationIDs: Set<Int> { vocab.endOfGeneration }
    public var maxSequenceLength: Int? { nil }

    /// Reads the tokenizer of `gguf`.
    /// - Throws: `TokenizerError` when the metadata lacks a tokenizer or uses one Owl does not implement.
    public convenience init(gguf: GGUFFile) throws {
        try self.init(metadata: gguf.metadata, path: gguf.path)
    }

    init(metadata m: GGUFMetadata, path: String) throws {
        guard let modelName = m["tokenizer.ggml.model"]?.string else {
            throw TokenizerError.missing(path: path, what: "no tokenizer.ggml.model key")
        }
        guard let tokens = Self.stringTable(m["tokenizer.ggml.tokens"]), !tokens.isEmpty else {
            throw TokenizerError.missing(path: path, what: "no tokenizer.ggml.tokens array")
        }
        guard tokens.count < Int(Int32.max) else {
            throw TokenizerError.unsupported(path: path, what: "a vocabulary of \(tokens.count) tokens is not supported (at most \(Int32.max - 1))")
        }
        var v = Vocabulary(tokens: tokens, types: m["tokenizer.ggml.token_type"]?.array,
                           scores: m["tokenizer.ggml.scores"]?.array)
        func id(_ key: String) -> Int? { v.valid(m["tokenizer.ggml.\(key)"]?.int) }
        func flag(_ key: String) -> Bool? { m["tokenizer.ggml.\(key)"]?.bool }
        let pre = modelName == "gemma4" ? "gemma4" : (m["tokenizer.ggml.pre"]?.string ?? "default")
        var addBOS = false, addEOS = false, spacePrefix = false, clean = false
        switch modelName {
        case "gpt2", "gemma4":
            guard let kind = PreTokenizerKind(ggufName: pre) else {
                throw TokenizerError.unsupported(path: path, what: "pre-tokenizer '\(pre)' (tokenizer.ggml.pre) is not supported; supported: \(Self.supportedPre)")
            }
            guard let merges = Self.stringTable(m["tokenizer.ggml.merges"]) else {
                throw TokenizerError.missing(path: path, what: "byte-level BPE without tokenizer.ggml.merges")
            }
            if modelName == "gpt2" { v.bos = 11; v.eos = 11 }
            addBOS = modelName == "gemma4"
            // llama.cpp cleans up spaces around punctuation when decoding, except for these pre-tokenizers.
            clean = !["smollm", "deepseek-llm", "deepseek-coder", "qwen2", "deepseek-r1-qwen", "qwen35", "command-r",
                      "poro-chat", "viking", "tekken", "trillion", "granite-docling", "hunyuan"].contains(pre)
            model = .bpe(BPEModel(tokenIDs: v.tokenIDs, merges: merges, ignoreMerges: kind.ignoresMerges,
                                 byteLevel: kind.byteLevel), kind)
            self.kind = kind.byteLevel ? "byte-level BPE (\(pre))" : "SentencePiece-style BPE (\(pre))"
        case "llama":
            v.bos = 1; v.eos = 2; v.unk = 0
            addBOS = true; spacePrefix = true
            model = .sentencePiece(SentencePieceModel(tokenIDs: v.tokenIDs, scores: v.scores))
            self.kind = "SentencePiece BPE"
        case "bert":
            v.bos = 101; v.unk = 100; v.sep = 102; v.pad = 0
            addBOS = true; addEOS = true; clean = true
            let unk = id("unknown_token_id") ?? v.valid(100) ?? 0
            let maxLen = (0..<tokens.count).reduce(0) { max($0, tokens.utf8(at: $1).count) }
            model = .wordPiece(WordPieceModel(tokenIDs: v.tokenIDs, unknownID: unk, style: .phantomSpace(maxTokenLength: maxLen),
                                              maxInputCharsPerWord: nil))
            self.kind = "WordPiece"
        default:
            throw TokenizerError.unsupported(path: path, what: "tokenizer '\(modelName)' (tokenizer.ggml.model) is not supported; supported: gpt2 (byte-level BPE), llama (SentencePiece BPE), gemma4 (SentencePiece-style BPE), bert (WordPiece)")
        }
        v.bos = id("bos_token_id") ?? id("cls_token_id") ?? v.valid(v.bos)
        v.eos = id("eos_token_id") ?? v.valid(v.eos)
        v.eot = id("eot_token_id")
        v.eom = id("eom_token_id")
        v.unk = id("unknown_token_id") ?? v.valid(v.unk)
        v.sep = id("seperator_token_id") ?? v.valid(v.sep)
        v.pad = id("padding_token_id") ?? v.valid(v.pad)
        if modelName == "bert" { v.eos = v.sep }
        addBOS = flag("add_bos_token") ?? addBOS
        if modelName == "gemma4" { addBOS = true }
        addEOS = modelName == "bert" ? true : (flag("add_eos_token") ?? addEOS)
        spacePrefix = modelName == "gpt2" || modelName == "gemma4" ? false : (flag("add_space_prefix") ?? spacePrefix)
        v.finishSpecialTokens()
        v.applyModelQuirks(modelName: m["general.name"]?.string ?? "")
        self.vocab = v
        self.addsBOS = addBOS
        self.addsEOS = addEOS
        self.addSpacePrefix = spacePrefix
        self.cleanSpaces = clean
        var special: [SpecialTokenMatcher.Entry] = []
        for (i, a) in v.attributes.enumerated() where !a.isDisjoint(with: [.control, .userDefined, .unknown]) {
            special.append(.init(id: i, text: v.text(i), control: !a.isDisjoint(with: [.control, .unknown]),
                                 lstrip: a.contains(.lstrip), rstrip: a.contains(.rstrip)))
        }
        self.specials = SpecialTokenMatcher(special)
    }

    /// The strings of an array value as a string table (other elements skipped), without copying when the
    /// array is already one.
    static func stringTable(_ value: GGUFValue?) -> GGUFArray? {
        guard let a = value?.array else { return nil }
        if a.isStringTable { return a }
        return GGUFArray(strings: a.compactMap(\.string))
    }

    static let supportedPre = "gpt-2, llama-bpe, qwen2, qwen35, smollm, starcoder, deepseek-llm, deepseek-coder, falcon, default and their aliases"

    public func isControl(_ id: Int) -> Bool {
        guard id >= 0, id < vocab.count else { return false }
        return !vocab.attributes[id].isDisjoint(with: [.control, .unknown])
    }

    public func tokenText(_ id: Int) -> String? { id >= 0 && id < vocab.count ? vocab.text(id) : nil }

    /// The attributes of token `id`.
    public func attributes(_ id: Int) -> TokenAttributes { id >= 0 && id < vocab.count ? vocab.attributes[id] : [] }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = Array(text.utf8)
        let fragments = specials.split(bytes, parseSpecial: parseSpecial)
        var out: [Int] = []
        switch model {
        case .bpe(let bpe, let pre):
            if addSpecial && addsBOS, let b = vocab.bos { out.append(b) }
            var scratch = BPEModel.Scratch()
            for f in fragments {
                switch f {
                case .token(let id): out.append(id)
                case .text(let r):
                    var cpts = codePoints(bytes[r])
                    if !pre.byteLevel { cpts = cpts.map { $0 == 0x20 ? 0x2581 : $0 } }
                    let st = ScalarText(cpts)
                    for w in pre.split(st) { bpe.encode(word: st.utf8(w), into: &out, scratch: &scratch) }
                }
            }
            if addSpecial && addsEOS, let e = vocab.eos { out.append(e) }
        case .sentencePiece(let spm):
            if addSpecial && addsBOS, let b = vocab.bos { out.append(b) }
            var previousSpecial = true
            for f in fragments {
                switch f {
                case .token(let id):
                    out.append(id)
                    previousSpecial = true
                case .text(let r):
                    var t: [UInt8] = addSpacePrefix && previousSpecial ? [0xE2, 0x96, 0x81] : []
                    t.reserveCapacity(r.count + 3)
                    // Repair invalid UTF-8 first (as for the other models), then spaces become ▁.
                    for b in String(decoding: bytes[r], as: UTF8.self).utf8 {
                        if b == 0x20 { t.append(0xE2); t.append(0x96); t.append(0x81) } else { t.append(b) }
                    }
                    spm.encode(t, into: &out)
                    previousSpecial = false
                }
            }
            if addSpecial && addsEOS, let e = vocab.eos { out.append(e) }
        case .wordPiece(let wpm):
            if addSpecial, let c = vocab.bos { out.append(c) }
            for f in fragments {
                switch f {
                case .token(let id): out.append(id)
                case .text(let r):
                    for w in LlamaWordPieceNormalizer.words(codePoints(bytes[r])) { wpm.encode(word: w, into: &out) }
                }
            }
            if addSpecial, let s = vocab.sep { out.append(s) }
        }
        return out
    }
}

extension ArraySlice where Element == UInt8 {
    /// Code points of these UTF-8 bytes (invalid sequences become U+FFFD).
    var codePointArray: [UInt32] { String(decoding: self, as: UTF8.self).unicodeScalars.map(\.value) }
}

@inline(__always)
func codePoints(_ bytes: ArraySlice<UInt8>) -> [UInt32] { bytes.codePointArray }
