/// Hand-written equivalents of the pre-tokenizer regexes (leftmost-first alternation, greedy runs).
/// Each appends the pieces of `r` (matches and the gaps between them) to `out`.
enum Scanners {
    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20

    /// The contraction after an apostrophe at `pos`: its length (2 or 3) or 0. `fold` lowercases ASCII.
    @inline(__always)
    private static func contraction(_ c: Cursor, _ pos: Int, caseInsensitive: Bool) -> Int {
        guard c.cpt(pos) == apostrophe, pos + 1 < c.end else { return 0 }
        func lower(_ x: UInt32) -> UInt32 { caseInsensitive && x >= 0x41 && x <= 0x5A ? x + 0x20 : x }
        let a = lower(c.cpt(pos + 1))
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
        guard pos + 2 < c.end else { return 0 }
        let b = lower(c.cpt(pos + 2))
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`.
    static func gpt2(_ text: ScalarText, _ r: Range<Int>, into out: inout [Range<Int>]) {
        let c = Cursor(text: text, end: r.upperBound)
        var start = r.lowerBound
        var pos = r.lowerBound
        @inline(__always) func emit(_ end: Int) {
            if end > start { out.append(start..<end) }
            start = end
            pos = end
        }
        while pos < r.upperBound {
            let cp = c.cpt(pos)
            let k = c.cls(pos)
            let n = contraction(c, pos, caseInsensitive: false)
            if n > 0 { emit(pos + n); continue }
            let lead = cp == space ? 1 : 0
            let k2 = lead == 1 ? c.cls(pos + 1) : k
            if k2.contains(.letter) || k2.contains(.number) {
                let want: ScalarClass = k2.contains(.letter) ? .letter : .number
                var p = pos + lead
                while c.cls(p).contains(want) { p += 1 }
                emit(p); continue
            }
            if k2.isDisjoint(with: [.whitespace, .letter, .number]) && k2 != .none {
                var p = pos + lead
                while true {
                    let kp = c.cls(p)
                    if kp == .none || !kp.isDisjoint(with: [.whitespace, .letter, .number]) { break }
                    p += 1
                }
                emit(p); continue
            }
            var ws = 0
            while c.cls(pos + ws).contains(.whitespace) { ws += 1 }
            if ws > 1 && c.cpt(pos + ws) != Cursor.outOfRange { emit(pos + ws - 1); continue }
            if ws > 0 { emit(pos + ws); continue }
            emit(pos + 1)
        }
    }

    /// Llama 3 (maxDigits 3), Qwen 2 (maxDigits 1) and Qwen 3.5 (maxDigits 1, word = letters and marks):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?W+|\p{N}{1,max}| ?[^\s W \p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// where `W` is `word`.
    static func llama3(_ text: ScalarText, _ r: Range<Int>, maxDigits: Int, word: ScalarClass, into out: inout [Range<Int>]) {
        let c = Cursor(text: text, end: r.upperBound)
        var start = r.lowerBound
        var pos = r.lowerBound
        @inline(__always) func emit(_ end: Int) {
            if end > start { out.append(start..<end) }
            start = end
            pos = end
        }
        @inline(__always) func isNewline(_ x: UInt32) -> Bool { x == 0x0D || x == 0x0A }
        while pos < r.upperBound {
            let cp = c.cpt(pos)
            let k = c.cls(pos)
            let n = contraction(c, pos, caseInsensitive: true)
            if n > 0 { emit(pos + n); continue }
            if !(isNewline(cp) || k.contains(.number)) && (!k.isDisjoint(with: word) || !c.cls(pos + 1).isDisjoint(with: word)) {
                var p = pos + 1
                while !c.cls(p).isDisjoint(with: word) { p += 1 }
                emit(p); continue
            }
            if k.contains(.number) {
                var p = pos
                while c.cls(p).contains(.number) && p - pos < maxDigits { p += 1 }
                emit(p); continue
            }
            let lead = cp == space ? 1 : 0
            let k2 = lead == 1 ? c.cls(pos + 1) : k
            let stop = word.union([.whitespace, .number])
            if k2.isDisjoint(with: stop) && k2 != .none {
                var p = pos + lead
                while true {
                    let kp = c.cls(p)
                    if kp == .none || !kp.isDisjoint(with: stop) { break }
                    p += 1
                }
                while isNewline(c.cpt(p)) { p += 1 }
                emit(p); continue
            }
            var ws = 0
            var lastNewlineEnd = 0
            while c.cls(pos + ws).contains(.whitespace) {
                if isNewline(c.cpt(pos + ws)) { lastNewlineEnd = pos + ws + 1 }
                ws += 1
            }
            if lastNewlineEnd > 0 { emit(lastNewlineEnd); continue }
            if ws > 1 && c.cpt(pos + ws) != Cursor.outOfRange { emit(pos + ws - 1); continue }
            if ws > 0 { emit(pos + ws); continue }
            emit(pos + 1)
        }
    }

    /// `\s?B{min,max}` searched left to right; matches and gaps both become pieces.
    static func runs(_ text: ScalarText, _ r: Range<Int>, _ p: RunPattern, into out: inout [Range<Int>]) {
        let cpts = text.cpts, classes = text.classes
        let end = r.upperBound
        let maxLength = p.maxLength ?? Int.max
        var gapStart = r.lowerBound
        var pos = r.lowerBound
        @inline(__always) func run(from q: Int) -> Int {
            var n = 0
            while q + n < end && n < maxLength && p.body(cpts[q + n], classes[q + n]) { n += 1 }
            return n
        }
        while pos < end {
            var matchStart = -1, matchEnd = -1
            if p.optionalSpace && classes[pos].contains(.whitespace) && pos + 1 < end {
                let n = run(from: pos + 1)
                if n >= p.minLength { matchStart = pos; matchEnd = pos + 1 + n }
            }
            if matchStart < 0 {
                let n = run(from: pos)
                if n >= p.minLength { matchStart = pos; matchEnd = pos + n }
            }
            if matchStart < 0 { pos += 1; continue }
            if matchStart > gapStart { out.append(gapStart..<matchStart) }
            out.append(matchStart..<matchEnd)
            gapStart = matchEnd
            pos = matchEnd
        }
        if gapStart < end { out.append(gapStart..<end) }
    }
}
