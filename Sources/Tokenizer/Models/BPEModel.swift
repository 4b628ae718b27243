import Checkpoint

/// Merge-ranked byte-level BPE (GPT-2, Llama 3, Qwen 2, SmolLM): a word starts as one symbol per byte and
/// the adjacent pair with the lowest merge rank is merged until no ranked pair is left (ties: leftmost).
/// Symbols are interned strings: vocabulary ids below `vocabularySize`, other merge strings above.
struct BPEModel: Sendable {
    /// Merge table: key `left << 32 | right` (interned ids) → rank and the interned id of the result.
    private let merges: [UInt64: Merge]
    /// Interned id of each byte's one-character byte-level string (-1: not interned).
    private let byteSymbol: [Int32]
    /// Text → token id (the vocabulary; the last of duplicate strings wins).
    private let tokenIDs: TokenIndex
    private let vocabularySize: Int
    private let ignoreMerges: Bool
    /// False for SentencePiece-style BPE (Gemma 4): symbols start as UTF-8 characters, bytes fall back to `<0xNN>`.
    private let byteLevel: Bool
    /// Interned ids of merge strings that are not tokens.
    private let extraIDs: [TokenKey: Int32]

    struct Merge: Sendable { let rank: Int32; let result: Int32 }

    /// - Parameters:
    ///   - tokenIDs: the vocabulary (byte-level text).
    ///   - merges: `"left right"` strings, in rank order.
    ///   - ignoreMerges: look whole words up first (Llama 3).
    init(tokenIDs: TokenIndex, merges mergeLines: GGUFArray, ignoreMerges: Bool, byteLevel: Bool = true) {
        self.tokenIDs = tokenIDs
        self.vocabularySize = tokenIDs.texts.count
        self.ignoreMerges = ignoreMerges
        self.byteLevel = byteLevel
        var extra: [TokenKey: Int32] = [:]
        var nextExtra = Int32(tokenIDs.texts.count)
        func intern(_ s: Substring) -> Int32 {
            let str = String(s)
            if let id = tokenIDs[str] { return Int32(id) }
            if let id = extra[str] { return id }
            extra[str] = nextExtra
            nextExtra += 1
            return nextExtra - 1
        }
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(mergeLines.count)
        for rank in 0..<mergeLines.count {
            let line = mergeLines.string(at: rank)
            // Split at the first space after the first character (a merge side may itself start with a space).
            guard !line.unicodeScalars.isEmpty else { continue }
            let afterFirst = line.unicodeScalars.index(after: line.unicodeScalars.startIndex)
            guard let sp = line.unicodeScalars[afterFirst...].firstIndex(of: " ") else { continue }
            let left = Substring(line.unicodeScalars[..<sp])
            let right = Substring(line.unicodeScalars[line.unicodeScalars.index(after: sp)...])
            let l = intern(left), r = intern(right)
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if table[key] == nil {
                table[key] = Merge(rank: Int32(rank), result: intern(Substring(String(left) + String(right))))
            }
        }
        self.merges = table
        self.extraIDs = extra
        self.byteSymbol = (0..<256).map { b in
            let s = String(ByteLevel.scalar(UInt8(b)))
            if let id = tokenIDs[s] { return Int32(id) }
            return extra[s] ?? -1
        }
    }

    fileprivate struct Bigram: Comparable {
        let rank: Int32
        let left: Int32
        let right: Int32
        let leftID: Int32
        let rightID: Int32
        let result: Int32
        static func < (a: Bigram, b: Bigram) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.left < b.left }
        static func == (a: Bigram, b: Bigram) -> Bool { a.rank == b.rank && a.left == b.left }
    }

    /// Buffers reused across the words of one text (one symbol per byte of the word).
    struct Scratch {
        var ids: [Int32] = [], start: [Int] = [], length: [Int] = [], prev: [Int] = [], next: [Int] = []
        fileprivate var heap = MinHeap<Bigram>()
        /// Words already encoded in this text (texts repeat words a lot).
        var cache: [[UInt8]: [Int]] = [:]
        init() {}
    }

    /// Appends the token ids of one pre-tokenized word (raw UTF-8 bytes).
    func encode(word: [UInt8], into out: inout [Int], scratch s: inout Scratch) {
        if word.isEmpty { return }
        if let hit = s.cache[word] { out.append(contentsOf: hit); return }
        let mark = out.count
        encodeUncached(word, into: &out, scratch: &s)
        if s.cache.count < 100_000 { s.cache[word] = Array(out[mark...]) }
    }

    private func encodeUncached(_ word: [UInt8], into out: inout [Int], scratch s: inout Scratch) {
        if ignoreMerges, let id = tokenIDs[ByteLevel.encode(word)] { out.append(id); return }
        var n = word.count
        if n == 1 && byteLevel {
            let id = byteSymbol[Int(word[0])]
            if id >= 0 && Int(id) < vocabularySize { out.append(Int(id)) } else { appendBytes(word[...], into: &out) }
            return
        }
        s.ids.removeAll(keepingCapacity: true)
        s.start.removeAll(keepingCapacity: true)
        s.length.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        if byteLevel {
            for (i, b) in word.enumerated() {
                s.ids.append(byteSymbol[Int(b)])
                s.start.append(i)
                s.length.append(1)
            }
        } else {
            var i = 0
            while i < word.count {
                let len = min(utf8SequenceLength(word[i]), word.count - i)
                let ch = String(decoding: word[i..<i + len], as: UTF8.self)
                s.ids.append(tokenIDs.id(decoding: word[i..<i + len]).map(Int32.init) ?? extraIDs[TokenKey(ch)] ?? -1)
                s.start.append(i)
                s.length.append(len)
                i += len
            }
        }
        n = s.ids.count
        for i in 0..<n {
            s.prev.append(i - 1)
            s.next.append(i + 1 < n ? i + 1 : -1)
        }
        if n == 1 { finish(word, into: &out, &s); return }
        s.heap.removeAll()
        for i in 1..<n { push(i - 1, i, &s) }
        while let bg = s.heap.pop() {
            let l = Int(bg.left), r = Int(bg.right)
            // Skip pairs that changed since they were queued (a side merged away or grown).
            guard s.length[l] > 0, s.length[r] > 0, s.ids[l] == bg.leftID, s.ids[r] == bg.rightID, s.next[l] == r else { continue }
            s.ids[l] = bg.result
            s.length[l] += s.length[r]
            s.length[r] = 0
            s.next[l] = s.next[r]
            if s.next[r] >= 0 { s.prev[s.next[r]] = l }
            push(s.prev[l], l, &s)
            push(l, s.next[l], &s)
        }
        finish(word, into: &out, &s)
    }

    /// Emits the symbols left after merging.
    private func finish(_ word: [UInt8], into out: inout [Int], _ s: inout Scratch) {
        let n = s.ids.count
        var i = 0
        while i >= 0 && i < n {
            if s.length[i] > 0 {
                let id = s.ids[i]
                if id >= 0 && Int(id) < vocabularySize {
                    out.append(Int(id))
                } else {
                    appendBytes(word[s.start[i]..<s.start[i] + s.length[i]], into: &out)
                }
            }
            i = s.next[i]
        }
    }

    @inline(__always)
    private func push(_ l: Int, _ r: Int, _ s: inout Scratch) {
        guard l >= 0, r >= 0 else { return }
        let a = s.ids[l], b = s.ids[r]
        guard a >= 0, b >= 0 else { return }
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        guard let m = merges[key] else { return }
        s.heap.push(Bigram(rank: m.rank, left: Int32(l), right: Int32(r), leftID: a, rightID: b, result: m.result))
    }

    /// A symbol that is not a token: llama.cpp emits the tokens of its single UTF-8 bytes that are tokens
    /// (`<0xNN>` tokens for SentencePiece-style BPE).
    private func appendBytes(_ bytes: ArraySlice<UInt8>, into out: inout [Int]) {
        if !byteLevel {
            for b in bytes {
                if let id = tokenIDs["<0x" + String(b, radix: 16, uppercase: true).leftPadded(2) + ">"] { out.append(id) }
            }
            return
        }
        var encoded: [UInt8] = []
        for b in bytes { appendUTF8(ByteLevel.byteToScalar[Int(b)], to: &encoded) }
        for e in encoded where e < 0x80 {
            if let id = tokenIDs[String(UnicodeScalar(e))] { out.append(id) }
        }
    }
}

/// A binary min-heap (the priority queue of candidate merges).
struct MinHeap<T: Comparable> {
    private var items: [T] = []

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ x: T) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if items[i] < items[p] { items.swapAt(i, p); i = p } else { break }
        }
    }

    mutating func pop() -> T? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            let n = items.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && items[l] < items[m] { m = l }
                if r < n && items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
