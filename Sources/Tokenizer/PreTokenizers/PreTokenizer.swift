/// Byte-level BPE pre-tokenizers: split text into words before merging, as `tokenizer.ggml.pre` selects.
/// Each is the sequence of regexes llama.cpp applies (each regex splits every piece the previous one left,
/// keeping the unmatched gaps as pieces too), written as scanners over code points instead of regexes.
public enum PreTokenizerKind: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)` (also mpt, olmo, phi-2).
    case gpt2
    /// Llama 3: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, `\p{N}{1,3}`, punctuation runs
    /// with trailing newlines, newline runs, whitespace.
    case llama3
    /// Qwen 2: as Llama 3 but digits one at a time.
    case qwen2
    /// Qwen 3.5: as Qwen 2 with combining marks counted as letters.
    case qwen35
    /// StarCoder, SmolLM, Refact, Command-R: every digit alone, then GPT-2.
    case starcoder
    /// DeepSeek LLM: newlines, Latin/Greek/Cyrillic letter runs, ASCII and CJK punctuation runs, trailing
    /// whitespace, CJK runs, digit runs.
    case deepseekLLM
    /// DeepSeek Coder: newlines, letter runs, punctuation runs, CJK runs, single digits.
    case deepseekCoder
    /// Falcon: punctuation-and-operator runs, GPT-2, then triples of ASCII digits.
    case falcon
    /// llama.cpp's fallback for unnamed pre-tokenizers.
    case `default`
    /// Gemma 4: SentencePiece-style BPE on raw UTF-8 (spaces as ▁), split only into newline and non-newline runs.
    case gemma4

    /// The kind for a `tokenizer.ggml.pre` value, or nil when Owl does not know it.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt-2", "gpt2", "mpt", "olmo", "phi-2", "jais", "trillion", "jina-es", "jina-de", "jina-v2-es",
             "jina-v2-de", "gigachat", "a.x-4.0", "mellum", "modern-bert", "granite-docling":
            self = .gpt2
        case "llama-bpe", "llama3", "llama-v3", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "dbrx",
             "smaug-bpe":
            self = .llama3
        case "qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "kormo", "f2llmv2":
            self = .qwen2
        case "starcoder", "smollm", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            self = .starcoder
        case "qwen35": self = .qwen35
        case "deepseek-llm": self = .deepseekLLM
        case "deepseek-coder": self = .deepseekCoder
        case "falcon": self = .falcon
        case "default", "": self = .default
        case "gemma4": self = .gemma4
        default: return nil
        }
    }

    /// Llama 3 style vocabularies look a whole word up before merging (`ignore_merges`).
    var ignoresMerges: Bool { self == .llama3 }

    /// GPT-2 byte-level alphabet (true) or raw UTF-8 with spaces as ▁ and `<0xNN>` byte tokens (false).
    var byteLevel: Bool { self != .gemma4 }

    /// Splits `text` into word ranges (code-point indices).
    func split(_ text: ScalarText) -> [Range<Int>] {
        var pieces = [0..<text.cpts.count]
        if text.cpts.isEmpty { return [] }
        for stage in stages {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for r in pieces { stage.split(text, r, into: &next) }
            pieces = next
        }
        return pieces
    }

    private var stages: [Stage] {
        switch self {
        case .gpt2: return [.gpt2]
        case .llama3: return [.llama3(maxDigits: 3, word: .letter)]
        case .qwen2: return [.llama3(maxDigits: 1, word: .letter)]
        case .qwen35: return [.llama3(maxDigits: 1, word: [.letter, .mark])]
        case .starcoder: return [.runs(RunPattern(body: { $1.contains(.number) }, maxLength: 1)), .gpt2]
        case .deepseekLLM:
            return [
                .runs(RunPattern(body: { c, _ in c == 0x0D || c == 0x0A }, maxLength: 1)),
                .runs(RunPattern(optionalSpace: true, body: { c, _ in DeepSeekClasses.isLetter(c) })),
                .runs(RunPattern(optionalSpace: true, body: { c, _ in DeepSeekClasses.isPunctuation(c) })),
                .trailingWhitespace,
                .runs(RunPattern(body: { c, _ in DeepSeekClasses.isCJK(c) })),
                .runs(RunPattern(body: { $1.contains(.number) })),
            ]
        case .deepseekCoder:
            return [
                .runs(RunPattern(body: { c, _ in c == 0x0D || c == 0x0A }, maxLength: 1)),
                .runs(RunPattern(optionalSpace: true, body: { $1.contains(.letter) })),
                .runs(RunPattern(optionalSpace: true, body: { $1.contains(.punctuation) })),
                .runs(RunPattern(body: { c, _ in DeepSeekClasses.isCJK(c) })),
                .runs(RunPattern(body: { $1.contains(.number) }, maxLength: 1)),
            ]
        case .falcon:
            return [
                .runs(RunPattern(body: { c, k in k.contains(.punctuation) || Self.isOperator(c) || c == 0x60 })),
                .gpt2,
                .runs(RunPattern(body: { c, _ in c >= 0x30 && c <= 0x39 }, minLength: 3, maxLength: 3)),
            ]
        case .gemma4:
            return [.runs(RunPattern(body: { c, _ in c != 0x0A })), .runs(RunPattern(body: { c, _ in c == 0x0A }))]
        case .default:
            return [
                .runs(RunPattern(body: { c, k in k.contains(.punctuation) || Self.isOperator(c) })),
                .gpt2,
                .runs(RunPattern(body: { $1.contains(.number) })),
                .runs(RunPattern(body: { c, _ in c >= 0x30 && c <= 0x39 }, minLength: 3, maxLength: 3)),
            ]
        }
    }

    /// `$ + < = > ^ ~ |`: ASCII symbols that llama.cpp's default and Falcon patterns group with punctuation.
    private static func isOperator(_ c: UInt32) -> Bool {
        c == 0x24 || c == 0x2B || c == 0x3C || c == 0x3D || c == 0x3E || c == 0x5E || c == 0x7E || c == 0x7C
    }
}

/// One regex of a pre-tokenizer sequence.
enum Stage {
    case gpt2
    case llama3(maxDigits: Int, word: ScalarClass)
    /// `\s?X+` style patterns: matches and the gaps between them become pieces.
    case runs(RunPattern)
    /// `\s+$`: the whitespace at the end of the piece.
    case trailingWhitespace

    func split(_ text: ScalarText, _ r: Range<Int>, into out: inout [Range<Int>]) {
        switch self {
        case .gpt2: Scanners.gpt2(text, r, into: &out)
        case .llama3(let maxDigits, let word): Scanners.llama3(text, r, maxDigits: maxDigits, word: word, into: &out)
        case .runs(let p): Scanners.runs(text, r, p, into: &out)
        case .trailingWhitespace:
            var s = r.upperBound
            while s > r.lowerBound && text.classes[s - 1].contains(.whitespace) { s -= 1 }
            if s > r.lowerBound { out.append(r.lowerBound..<s) }
            if s < r.upperBound { out.append(s..<r.upperBound) }
        }
    }
}

/// A pattern `\s?B{min,max}` where `B` is a class of code points (max nil: unbounded).
struct RunPattern {
    var optionalSpace = false
    var body: (UInt32, ScalarClass) -> Bool
    var minLength = 1
    var maxLength: Int? = nil
}
