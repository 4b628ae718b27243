import Checkpoint

/// What a token is, from `tokenizer.ggml.token_type` (normal=1, unknown=2, control=3, user_defined=4,
/// unused=5, byte=6) plus llama.cpp's fix-ups (end-of-turn tokens are control even when typed normal).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let normal = TokenAttributes(rawValue: 1 << 0)
    public static let unknown = TokenAttributes(rawValue: 1 << 1)
    public static let control = TokenAttributes(rawValue: 1 << 2)
    public static let userDefined = TokenAttributes(rawValue: 1 << 3)
    public static let unused = TokenAttributes(rawValue: 1 << 4)
    public static let byte = TokenAttributes(rawValue: 1 << 5)
    /// When matched in text, the whitespace before the token is dropped.
    public static let lstrip = TokenAttributes(rawValue: 1 << 6)
    /// When matched in text, the whitespace after the token is dropped.
    public static let rstrip = TokenAttributes(rawValue: 1 << 7)

    /// The attributes of a GGUF token type (unknown types count as normal, as a missing array does).
    init(ggufType: Int) {
        switch ggufType {
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = .normal
        }
    }
}

/// The token table of a GGUF tokenizer with its special ids.
struct Vocabulary: Sendable {
    /// Text → id, over the token texts in id order; for duplicate texts the last id wins (as llama.cpp).
    let tokenIDs: TokenIndex
    private(set) var attributes: [TokenAttributes]
    let scores: TokenScores
    var bos: Int?, eos: Int?, eot: Int?, eom: Int?, unk: Int?, sep: Int?, pad: Int?
    private(set) var endOfGeneration: Set<Int> = []

    /// Texts that end a turn in some family; llama.cpp marks them control and end-of-generation.
    static let endOfTurnTexts: [String] = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>",
        "<|end_of_text|>", "<end_of_utterance>", "<|return|>", "<|call|>",
    ]
    /// Texts llama.cpp takes as the end-of-turn token when the metadata names none.
    static let eotCandidates: [String] = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
        "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]

    /// - Parameters:
    ///   - tokens: `tokenizer.ggml.tokens` as a string table.
    ///   - types: `tokenizer.ggml.token_type` (missing entries count as normal).
    ///   - scores: `tokenizer.ggml.scores`.
    init(tokens: GGUFArray, types: GGUFArray?, scores: GGUFArray?) {
        tokenIDs = TokenIndex(texts: tokens)
        var attributes = [TokenAttributes](repeating: .normal, count: tokens.count)
        if let types, types.packedBytes != nil, types.elementType != .uint64 {
            // Packed integers: every element is an int (float elements read as none, as before).
            for i in 0..<min(types.count, tokens.count) { attributes[i] = TokenAttributes(ggufType: types[i].int ?? 1) }
        } else if let list = types?.compactMap(\.int) {
            for i in 0..<min(list.count, tokens.count) { attributes[i] = TokenAttributes(ggufType: list[i]) }
        }
        self.attributes = attributes
        self.scores = TokenScores(scores)
    }

    var count: Int { tokenIDs.texts.count }

    /// The text of token `id` (a valid id).
    func text(_ id: Int) -> String { tokenIDs.texts.string(at: id) }

    /// The UTF-8 bytes of token `id` (a valid id), valid while this vocabulary is alive.
    func utf8(_ id: Int) -> UnsafeRawBufferPointer { tokenIDs.texts.utf8(at: id) }

    func valid(_ id: Int?) -> Int? { id.flatMap { $0 >= 0 && $0 < count ? $0 : nil } }

    /// Phi-3 models drop the whitespace after their special tokens (llama.cpp keys this on the model name):
    /// every control/user-defined token and `</s>` strip right, except `<unk>`, `<s>` and `<|endoftext|>`.
    mutating func applyModelQuirks(modelName: String) {
        let name = modelName.lowercased()
        guard name.contains("phi-3") || name.contains("phi3") else { return }
        for i in attributes.indices where !attributes[i].isDisjoint(with: [.control, .userDefined, .unknown]) {
            attributes[i].insert(.rstrip)
        }
        if let s = tokenIDs["</s>"] { attributes[s].insert(.rstrip) }
        for t in ["<unk>", "<s>", "<|endoftext|>"] { if let i = tokenIDs[t] { attributes[i].remove(.rstrip) } }
    }

    /// Finds the end-of-turn token when the metadata has none, marks end-of-turn texts control, and builds
    /// the end-of-generation set: those texts, then eos, eot and eom.
    mutating func finishSpecialTokens() {
        if eot == nil {
            let ids = tokenIDs
            eot = Self.eotCandidates.compactMap { ids[$0] }.first
        }
        if let e = eot, !attributes[e].contains(.control) { attributes[e].insert(.control) }
        if let e = eom ?? tokenIDs["<|eom_id|>"] {
            eom = e
            attributes[e].insert(.control)
        }
        var eog: Set<Int> = []
        for text in Self.endOfTurnTexts {
            guard let id = tokenIDs[text] else { continue }
            eog.insert(id)
            attributes[id].insert(.control)
        }
        for id in [eos, eot, eom].compactMap({ $0 }) { eog.insert(id) }
        endOfGeneration = eog
    }
}

/// Splits text at special tokens before the model sees it, as llama.cpp does: the longest special token is
/// matched first everywhere, then the next longest in what is left, and so on. All occurrences are found in
/// one pass over the text with a byte trie, so the cost does not grow with the number of special tokens.
struct SpecialTokenMatcher: Sendable {
    private struct Candidate: Sendable {
        let priority: Int, id: Int, length: Int, control: Bool, lstrip: Bool, rstrip: Bool
    }

    /// Trie node: children as a sibling list (first child, next sibling), and the candidate ending here.
    private struct Node: Sendable {
        let byte: UInt8
        var firstChild: Int32 = -1
        var nextSibling: Int32 = -1
        var candidate: Int32 = -1
    }

    /// One token the matcher looks for.
    struct Entry {
        let id: Int
        let text: String
        /// Control or unknown: matched only when parsing special tokens.
        let control: Bool
        var lstrip = false
        var rstrip = false
    }

    private let candidates: [Candidate]
    private let nodes: [Node]
    /// Child of the root for each first byte (-1: none).
    private let rootChild: [Int32]

    /// A piece of text between special tokens, or one special token.
    enum Fragment: Equatable { case text(Range<Int>), token(Int) }

    /// - Parameter tokens: every control, user-defined and unknown token.
    init(_ tokens: [Entry]) {
        let sorted = tokens.filter { !$0.text.isEmpty }.enumerated()
            .sorted { a, b in
                let la = a.element.text.utf8.count, lb = b.element.text.utf8.count
                return la != lb ? la > lb : a.offset < b.offset
            }
        var cands: [Candidate] = []
        var nodes: [Node] = []
        var root = [Int32](repeating: -1, count: 256)
        for (priority, e) in sorted.enumerated() {
            let bytes = Array(e.element.text.utf8)
            var node = root[Int(bytes[0])]
            if node < 0 {
                node = Int32(nodes.count)
                nodes.append(Node(byte: bytes[0]))
                root[Int(bytes[0])] = node
            }
            for b in bytes.dropFirst() {
                var child = nodes[Int(node)].firstChild
                while child >= 0 && nodes[Int(child)].byte != b { child = nodes[Int(child)].nextSibling }
                if child < 0 {
                    child = Int32(nodes.count)
                    var n = Node(byte: b)
                    n.nextSibling = nodes[Int(node)].firstChild
                    nodes.append(n)
                    nodes[Int(node)].firstChild = child
                }
                node = child
            }
            // Identical texts: the first (higher priority) wins; the other could never match anyway.
            if nodes[Int(node)].candidate < 0 {
                nodes[Int(node)].candidate = Int32(cands.count)
                cands.append(Candidate(priority: priority, id: e.element.id, length: bytes.count, control: e.element.control,
                                       lstrip: e.element.lstrip, rstrip: e.element.rstrip))
            }
        }
        self.candidates = cands
        self.nodes = nodes
        self.rootChild = root
    }

    func split(_ text: [UInt8], parseSpecial: Bool) -> [Fragment] {
        struct Hit { let priority: Int; let start: Int; let end: Int; let id: Int; let lstrip: Bool; let rstrip: Bool }
        var hits: [Hit] = []
        let n = text.count
        if candidates.isEmpty { return n == 0 ? [] : [.text(0..<n)] }
        text.withUnsafeBufferPointer { t in
            nodes.withUnsafeBufferPointer { nodes in
                for i in 0..<n {
                    var node = rootChild[Int(t[i])]
                    var k = i
                    while node >= 0 {
                        let c = nodes[Int(node)].candidate
                        if c >= 0 {
                            let cand = candidates[Int(c)]
                            if !cand.control || parseSpecial {
                                hits.append(Hit(priority: cand.priority, start: i, end: k + 1, id: cand.id,
                                                lstrip: cand.lstrip, rstrip: cand.rstrip))
                            }
                        }
                        k += 1
                        guard k < n else { break }
                        var child = nodes[Int(node)].firstChild
                        while child >= 0 && nodes[Int(child)].byte != t[k] { child = nodes[Int(child)].nextSibling }
                        node = child
                    }
                }
            }
        }
        if hits.isEmpty { return n == 0 ? [] : [.text(0..<n)] }
        hits.sort { $0.priority != $1.priority ? $0.priority < $1.priority : $0.start < $1.start }
        // Bytes claimed by an accepted token, or dropped by its lstrip/rstrip (which stop at other tokens).
        var taken = [Bool](repeating: false, count: n)
        var accepted: [Hit] = []
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        for h in hits {
            var free = true
            for k in h.start..<h.end where taken[k] { free = false; break }
            guard free else { continue }
            for k in h.start..<h.end { taken[k] = true }
            if h.lstrip {
                var k = h.start - 1
                while k >= 0 && !taken[k] && isSpace(text[k]) { taken[k] = true; k -= 1 }
            }
            if h.rstrip {
                var k = h.end
                while k < n && !taken[k] && isSpace(text[k]) { taken[k] = true; k += 1 }
            }
            accepted.append(h)
        }
        accepted.sort { $0.start < $1.start }
        var out: [Fragment] = []
        var k = 0
        var next = 0
        while k < n {
            if taken[k] {
                if next < accepted.count && accepted[next].start == k {
                    out.append(.token(accepted[next].id))
                    k = accepted[next].end
                    next += 1
                } else {
                    k += 1
                }
                continue
            }
            var e = k
            while e < n && !taken[e] { e += 1 }
            out.append(.text(k..<e))
            k = e
        }
        return out
    }
}
