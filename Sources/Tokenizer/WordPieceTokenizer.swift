import Foundation

/// A Hugging Face `tokenizer.json` WordPiece tokenizer (BERT, MiniLM), behaving as the `tokenizers` library:
/// added special tokens matched in the raw text, `BertNormalizer`, `BertPreTokenizer`, WordPiece, and
/// `[CLS] … [SEP]` around the result.
public final class WordPieceTokenizer: TextTokenizer, Sendable {
    let model: WordPieceModel<TokenTable>
    let normalizer: BertNormalizer
    let specials: SpecialTokenMatcher
    let idToToken: [String]
    let controlIDs: Set<Int>
    let continuingPrefix: String
    public let bosID: Int?
    public let eosID: Int?
    public let maxSequenceLength: Int?
    public var kind: String { "WordPiece" }
    public var vocabularySize: Int { idToToken.count }
    public var endOfGenerationIDs: Set<Int> { eosID.map { [$0] } ?? [] }
    public var addsBOS: Bool { bosID != nil }
    public var addsEOS: Bool { eosID != nil }

    /// Reads `tokenizer.json` in `folder`, and `sentence_bert_config.json`'s `max_seq_length` when present
    /// (sentence-transformers truncates there, overriding tokenizer.json's own truncation).
    /// - Throws: `TokenizerError` when the file is missing, unreadable, or not a WordPiece tokenizer.
    public convenience init(folder: String) throws {
        let path = folder + "/tokenizer.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.missing(path: folder, what: "no tokenizer.json in the folder")
        }
        var maxLength: Int?
        if let sb = FileManager.default.contents(atPath: folder + "/sentence_bert_config.json"),
           let obj = try? JSONSerialization.jsonObject(with: sb) as? [String: Any] {
            maxLength = (obj["max_seq_length"] as? NSNumber)?.intValue
        }
        try self.init(json: data, path: path, maxSequenceLength: maxLength)
    }

    init(json data: Data, path: String, maxSequenceLength override: Int?) throws {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerError.missing(path: path, what: "tokenizer.json is not a JSON object")
        }
        guard let m = root["model"] as? [String: Any], (m["type"] as? String) == "WordPiece",
              let vocabObj = m["vocab"] as? [String: Any] else {
            let t = ((root["model"] as? [String: Any])?["type"] as? String) ?? "none"
            throw TokenizerError.unsupported(path: path, what: "tokenizer.json model type '\(t)' is not supported for Hugging Face folders; supported: WordPiece")
        }
        var ids: TokenTable = [:]
        var maxID = -1
        for (k, v) in vocabObj {
            guard let n = (v as? NSNumber)?.intValue, n >= 0 else { continue }
            ids[k] = n
            maxID = max(maxID, n)
        }
        var added: [SpecialTokenMatcher.Entry] = []
        var control: Set<Int> = []
        for a in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let id = (a["id"] as? NSNumber)?.intValue, let content = a["content"] as? String else { continue }
            let special = (a["special"] as? Bool) ?? false
            ids[content] = id
            maxID = max(maxID, id)
            added.append(.init(id: id, text: content, control: special,
                               lstrip: (a["lstrip"] as? Bool) ?? false, rstrip: (a["rstrip"] as? Bool) ?? false))
            if special { control.insert(id) }
        }
        var table = [String](repeating: "", count: maxID + 1)
        for (k, v) in ids { table[v] = k.text }
        let unkName = (m["unk_token"] as? String) ?? "[UNK]"
        guard let unk = ids[unkName] else {
            throw TokenizerError.missing(path: path, what: "the unknown token '\(unkName)' is not in the vocabulary")
        }
        let prefix = (m["continuing_subword_prefix"] as? String) ?? "##"
        let maxChars = (m["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100
        model = WordPieceModel(tokenIDs: ids, unknownID: unk, style: .continuingPrefix(prefix), maxInputCharsPerWord: maxChars)
        var norm = BertNormalizer()
        if let n = root["normalizer"] as? [String: Any], (n["type"] as? String) == "BertNormalizer" {
            norm.cleanText = (n["clean_text"] as? Bool) ?? true
            norm.handleChineseChars = (n["handle_chinese_chars"] as? Bool) ?? true
            norm.lowercase = (n["lowercase"] as? Bool) ?? true
            norm.stripAccents = (n["strip_accents"] as? Bool) ?? norm.lowercase
        }
        normalizer = norm
        // [CLS] and [SEP] from the post-processor (TemplateProcessing or BertProcessing).
        var cls: Int? = ids["[CLS]"], sep: Int? = ids["[SEP]"]
        if let post = root["post_processor"] as? [String: Any] {
            if let c = post["cls"] as? [Any], let name = c.first as? String { cls = ids[name] }
            if let s = post["sep"] as? [Any], let name = s.first as? String { sep = ids[name] }
            if let st = post["special_tokens"] as? [String: Any] {
                if let c = st["[CLS]"] as? [String: Any], let i = (c["ids"] as? [NSNumber])?.first { cls = i.intValue }
                if let s = st["[SEP]"] as? [String: Any], let i = (s["ids"] as? [NSNumber])?.first { sep = i.intValue }
            }
        }
        bosID = cls
        eosID = sep
        var limit = override
        if limit == nil, let tr = root["truncation"] as? [String: Any] { limit = (tr["max_length"] as? NSNumber)?.intValue }
        maxSequenceLength = limit
        idToToken = table
        controlIDs = control
        continuingPrefix = prefix
        specials = SpecialTokenMatcher(added)
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = Array(text.utf8)
        var out: [Int] = []
        if addSpecial, let c = bosID { out.append(c) }
        for f in specials.split(bytes, parseSpecial: parseSpecial) {
            switch f {
            case .token(let id): out.append(id)
            case .text(let r):
                let cpts = normalizer.normalize(codePoints(bytes[r]))
                for w in BertPreTokenizer.words(cpts) { model.encode(word: w, into: &out) }
            }
        }
        if addSpecial, let s = eosID { out.append(s) }
        return out
    }

    public func isControl(_ id: Int) -> Bool { controlIDs.contains(id) }

    public func tokenText(_ id: Int) -> String? { id >= 0 && id < idToToken.count ? idToToken[id] : nil }

    /// A word-initial piece renders with a leading space, a continuation (`##x`) without its prefix.
    public func pieceBytes(_ id: Int, renderSpecial: Bool) -> [UInt8] {
        guard let t = tokenText(id) else { return [] }
        if controlIDs.contains(id) { return renderSpecial ? Array((" " + t).utf8) : [] }
        if t.hasPrefix(continuingPrefix) { return Array(t.utf8.dropFirst(continuingPrefix.utf8.count)) }
        return Array((" " + t).utf8)
    }

    public func decode(_ ids: [Int], removeSpecial: Bool, renderSpecial: Bool) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            if removeSpecial && (id == bosID || id == eosID) { continue }
            bytes.append(contentsOf: pieceBytes(id, renderSpecial: renderSpecial))
        }
        if bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: GGUFTokenizer.cleanUpSpaces(bytes), as: UTF8.self)
    }
}
