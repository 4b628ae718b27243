import Checkpoint

/// SentencePiece-style BPE as llama.cpp runs it for `tokenizer.ggml.model = llama` (Llama 2, Gemma 3):
/// start from one symbol per UTF-8 character, repeatedly merge the adjacent pair whose concatenation is a
/// token with the highest score (ties: leftmost), then emit each symbol's token, or its bytes as `<0xNN>`
/// tokens when the symbol is not in the vocabulary (byte fallback).
struct SentencePieceModel: Sendable {
    private let tokenIDs: TokenIndex
    private let scores: TokenScores
    /// Token id of each byte: `<0xNN>`, else the one-byte string.
    private let byteTokens: [Int?]

    init(tokenIDs: TokenIndex, scores: TokenScores) {
        self.tokenIDs = tokenIDs
        self.scores = scores
        self.byteTokens = (0..<256).map { b in
            let hex = "<0x" + String(b, radix: 16, uppercase: true).leftPadded(2) + ">"
            if let id = tokenIDs[hex] { return id }
            return b < 0x80 ? tokenIDs[String(UnicodeScalar(UInt8(b)))] : nil
        }
    }

    private struct Bigram: Comparable {
        let score: Float
        let left: Int32
        let right: Int32
        let size: Int32
        /// Higher score first, then the leftmost pair.
        static func < (a: Bigram, b: Bigram) -> Bool { a.score != b.score ? a.score > b.score : a.left < b.left }
        static func == (a: Bigram, b: Bigram) -> Bool { a.score == b.score && a.left == b.left }
    }

    /// Appends the token ids of `text` (already with spaces as ▁).
    func encode(_ text: [UInt8], into out: inout [Int]) {
        if text.isEmpty { return }
        var start: [Int] = [], length: [Int] = []
        var i = 0
        while i < text.count {
            let n = min(utf8SequenceLength(text[i]), text.count - i)
            start.append(i); length.append(n)
            i += n
        }
        let count = start.count
        var prev = (0..<count).map { $0 - 1 }
        var next = (0..<count).map { $0 + 1 < count ? $0 + 1 : -1 }
        var heap = MinHeap<Bigram>()
        func push(_ l: Int, _ r: Int) {
            guard l >= 0, r >= 0 else { return }
            let s = start[l], e = start[r] + length[r]
            guard let id = tokenIDs.id(decoding: text[s..<e]), id < scores.count else { return }
            heap.push(Bigram(score: scores[id], left: Int32(l), right: Int32(r), size: Int32(e - s)))
        }
        for k in 1..<max(count, 1) { push(k - 1, k) }
        while let bg = heap.pop() {
            let l = Int(bg.left), r = Int(bg.right)
            guard length[l] > 0, length[r] > 0, length[l] + length[r] == Int(bg.size) else { continue }
            length[l] += length[r]
            length[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[next[r]] = l }
            push(prev[l], l)
            push(l, next[l])
        }
        var k = 0
        while k >= 0 && k < count {
            if length[k] > 0 {
                let piece = text[start[k]..<start[k] + length[k]]
                if let id = tokenIDs.id(exactly: piece) {
                    out.append(id)
                } else {
                    for b in piece { if let t = byteTokens[Int(b)] { out.append(t) } }
                }
            }
            k = next[k]
        }
    }

}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
