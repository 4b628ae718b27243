/// WordPiece (BERT): each word becomes the longest vocabulary prefix, then the longest continuation pieces;
/// a word with any part missing becomes one unknown token.
struct WordPieceModel<Lookup: TokenLookup>: Sendable {
    let tokenIDs: Lookup
    let unknownID: Int
    /// How continuation pieces are spelled in the vocabulary.
    let style: Style
    /// Words longer than this (in code points) become unknown (Hugging Face: 100). Nil: no limit.
    let maxInputCharsPerWord: Int?

    enum Style: Sendable {
        /// Hugging Face: word-initial pieces as is, continuations with a prefix (`##`).
        case continuingPrefix(String)
        /// llama.cpp GGUF: word-initial pieces carry a leading `▁`, continuations are bare.
        case phantomSpace(maxTokenLength: Int)
    }

    /// Appends the pieces of one word (code points).
    func encode(word: [UInt32], into out: inout [Int]) {
        if word.isEmpty { return }
        if let limit = maxInputCharsPerWord, word.count > limit { out.append(unknownID); return }
        let mark = out.count
        switch style {
        case .continuingPrefix(let prefix):
            var start = 0
            while start < word.count {
                var end = word.count
                var found: Int?
                while end > start {
                    var s = start > 0 ? prefix : ""
                    s.unicodeScalars.append(contentsOf: word[start..<end].map { Unicode.Scalar($0) ?? "\u{FFFD}" })
                    if let id = tokenIDs[s] { found = id; break }
                    end -= 1
                }
                guard let id = found else { out.removeSubrange(mark...); out.append(unknownID); return }
                out.append(id)
                start = end
            }
        case .phantomSpace(let maxTokenLength):
            // llama.cpp matches byte substrings of "▁" + word, longest first, up to the longest token.
            var bytes: [UInt8] = [0xE2, 0x96, 0x81]
            for c in word { appendUTF8(c, to: &bytes) }
            let n = bytes.count
            var i = 0
            while i < n {
                var matched = false
                var j = min(n, i + maxTokenLength + 1)
                while j > i {
                    if let id = tokenIDs[String(decoding: bytes[i..<j], as: UTF8.self)],
                       String(decoding: bytes[i..<j], as: UTF8.self).utf8.count == j - i {
                        out.append(id)
                        matched = true
                        i = j
                        break
                    }
                    j -= 1
                }
                if !matched { out.removeSubrange(mark...); break }
            }
            if out.count == mark { out.append(unknownID) }
        }
    }
}
