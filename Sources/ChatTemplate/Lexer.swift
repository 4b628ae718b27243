/// Splits template source into text and tag tokens, applying the whitespace rules of the reference
/// renderer: `trim_blocks` (drop the newline after `%}` / `#}`), `lstrip_blocks` (drop spaces before a
/// `{%` / `{#` that starts a line), `-` / `+` markers, newlines normalized to `\n`, one trailing newline dropped.
struct Token {
    enum Kind: Equatable {
        case text(String)
        case varBegin, varEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case int(Int)
        case float(Double)
        case op(String)
        case eof
    }
    let kind: Kind
    /// Byte offset into the normalized source.
    let offset: Int
}

struct Lexer {
    let src: [UInt8]
    private var pos = 0
    private var tokens: [Token] = []
    private var lineStarting = true

    /// Normalizes newlines like the reference (CRLF/CR → LF, one trailing LF removed).
    static func normalize(_ source: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(source.utf8.count)
        var prevCR = false
        for b in source.utf8 {
            if b == 0x0D { out.append(0x0A); prevCR = true; continue }
            if b == 0x0A && prevCR { prevCR = false; continue }
            prevCR = false
            out.append(b)
        }
        if out.last == 0x0A { out.removeLast() }
        return out
    }

    init(source: [UInt8]) { src = source }

    func syntaxError(_ msg: String, at offset: Int) -> TemplateError {
        let (l, c) = SourceMap.lineColumn(src, offset)
        return TemplateError(kind: .syntax, message: msg, line: l, column: c)
    }

    mutating func tokenize() throws -> [Token] {
        while pos < src.count {
            // Find the next tag opener.
            var i = pos
            var opener: UInt8 = 0
            while i + 1 < src.count {
                if src[i] == UInt8(ascii: "{") {
                    let n = src[i + 1]
                    if n == UInt8(ascii: "{") || n == UInt8(ascii: "%") || n == UInt8(ascii: "#") { opener = n; break }
                }
                i += 1
            }
            if opener == 0 { i = src.count }
            var text = Array(src[pos..<i])
            if opener == 0 {
                emitText(text, at: pos)
                break
            }
            let tagStart = i
            var j = i + 2
            let marker: UInt8? = j < src.count && (src[j] == UInt8(ascii: "-") || src[j] == UInt8(ascii: "+")) ? src[j] : nil
            if marker != nil { j += 1 }
            if marker == UInt8(ascii: "-") {
                while let l = text.last, Self.isSpace(l) { text.removeLast() }
            } else if marker == nil && opener != UInt8(ascii: "{") {
                // lstrip_blocks: only whitespace between the line start and the tag.
                let lpos = (text.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
                if lpos > 0 || lineStarting, lpos < text.count, text[lpos...].allSatisfy(Self.isSpace) {
                    text.removeSubrange(lpos...)
                }
            }
            emitText(text, at: pos)
            lineStarting = false
            if opener == UInt8(ascii: "#") {
                // Comment: find `#}`, honoring `-#}` and trim_blocks.
                var k = j
                while k + 1 < src.count, !(src[k] == UInt8(ascii: "#") && src[k + 1] == UInt8(ascii: "}")) { k += 1 }
                guard k + 1 < src.count else { throw syntaxError("missing end of comment tag '#}'", at: tagStart) }
                let dash = k > j && src[k - 1] == UInt8(ascii: "-")
                let plus = k > j && src[k - 1] == UInt8(ascii: "+")
                pos = k + 2
                finishTagEnd(dash: dash, plus: plus, trim: true)
                continue
            }
            let isBlock = opener == UInt8(ascii: "%")
            // `raw +%}` is not a raw block for the reference (it fails as an unknown tag).
            if isBlock, let afterRaw = matchWord("raw", from: j), !afterRaw.plus {
                try lexRaw(from: afterRaw, tagStart: tagStart)
                continue
            }
            tokens.append(Token(kind: isBlock ? .blockBegin : .varBegin, offset: tagStart))
            pos = j
            try lexInside(isBlock: isBlock)
        }
        tokens.append(Token(kind: .eof, offset: src.count))
        return tokens
    }

    private mutating func emitText(_ text: [UInt8], at offset: Int) {
        if !text.isEmpty { tokens.append(Token(kind: .text(String(decoding: text, as: UTF8.self)), offset: offset)) }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }

    private mutating func lexInside(isBlock: Bool) throws {
        let close = isBlock ? UInt8(ascii: "%") : UInt8(ascii: "}")
        var depth = 0  // bracket nesting: `}}` inside a dict literal is not the tag end
        while true {
            while pos < src.count, Self.isSpace(src[pos]) { pos += 1 }
            guard pos < src.count else {
                throw syntaxError("unexpected end of template, expected '\(isBlock ? "%}" : "}}")'", at: pos)
            }
            let c = src[pos]
            // Tag end: `%}` / `}}`, optionally `-%}` / `+%}`.
            var k = pos
            var dash = false, plus = false
            if c == UInt8(ascii: "-") || (c == UInt8(ascii: "+") && isBlock), k + 2 < src.count, src[k + 1] == close,
               src[k + 2] == UInt8(ascii: "}") {
                dash = c == UInt8(ascii: "-"); plus = c == UInt8(ascii: "+"); k += 1
            }
            if src[k] == close, k + 1 < src.count, src[k + 1] == UInt8(ascii: "}"), depth == 0 || isBlock || dash || plus {
                tokens.append(Token(kind: isBlock ? .blockEnd : .varEnd, offset: pos))
                pos = k + 2
                if isBlock || dash { finishTagEnd(dash: dash, plus: plus, trim: isBlock) }
                else { lineStarting = false }
                return
            }
            let start = pos
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                tokens.append(Token(kind: .string(try lexString(quote: c)), offset: start))
            } else if c >= 0x30 && c <= 0x39 {
                tokens.append(Token(kind: lexNumber(), offset: start))
            } else if let first = scalar(at: pos), first.scalar == "_" || first.scalar.properties.isXIDStart {
                // Python identifiers: XID_Start then XID_Continue.
                pos += first.length
                while let next = scalar(at: pos), next.scalar.properties.isXIDContinue { pos += next.length }
                tokens.append(Token(kind: .name(String(decoding: src[start..<pos], as: UTF8.self)), offset: start))
            } else {
                let two = pos + 1 < src.count ? String(decoding: src[pos...pos + 1], as: UTF8.self) : ""
                if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                    tokens.append(Token(kind: .op(two), offset: start)); pos += 2
                } else if "+-*/%~<>=()[]{},.:|".utf8.contains(c) {
                    if c == UInt8(ascii: "(") || c == UInt8(ascii: "[") || c == UInt8(ascii: "{") { depth += 1 }
                    if c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") { depth = max(0, depth - 1) }
                    tokens.append(Token(kind: .op(String(UnicodeScalar(c))), offset: start)); pos += 1
                } else {
                    throw syntaxError("unexpected character '\(String(decoding: [c], as: UTF8.self))'", at: start)
                }
            }
        }
    }

    /// If `word` follows (after spaces) at `from` and closes its tag (`%}`, `-%}`, `+%}`), returns the
    /// offset just past the tag and whether it ended with `-`.
    private func matchWord(_ word: String, from: Int) -> (end: Int, dash: Bool, plus: Bool)? {
        var k = from
        while k < src.count, Self.isSpace(src[k]) { k += 1 }
        let w = Array(word.utf8)
        guard k + w.count <= src.count, Array(src[k..<k + w.count]) == w else { return nil }
        k += w.count
        while k < src.count, Self.isSpace(src[k]) { k += 1 }
        var dash = false, plus = false
        if k < src.count, src[k] == UInt8(ascii: "-") || src[k] == UInt8(ascii: "+") {
            dash = src[k] == UInt8(ascii: "-"); plus = !dash; k += 1
        }
        guard k + 1 < src.count, src[k] == UInt8(ascii: "%"), src[k + 1] == UInt8(ascii: "}") else { return nil }
        return (k + 2, dash, plus)
    }

    /// `{% raw %}…{% endraw %}`: the text between is emitted as is.
    private mutating func lexRaw(from begin: (end: Int, dash: Bool, plus: Bool), tagStart: Int) throws {
        pos = begin.end
        if begin.dash { while pos < src.count, Self.isSpace(src[pos]) { pos += 1 } }
        var k = pos
        while k + 1 < src.count {
            if src[k] == UInt8(ascii: "{"), src[k + 1] == UInt8(ascii: "%") {
                var j = k + 2
                let marker: UInt8? = j < src.count && (src[j] == UInt8(ascii: "-") || src[j] == UInt8(ascii: "+")) ? src[j] : nil
                if marker != nil { j += 1 }
                if let end = matchWord("endraw", from: j) {
                    var text = Array(src[pos..<k])
                    if marker == UInt8(ascii: "-") {
                        while let l = text.last, Self.isSpace(l) { text.removeLast() }
                    } else if marker == nil {
                        let lpos = (text.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
                        if lpos > 0, lpos < text.count, text[lpos...].allSatisfy(Self.isSpace) { text.removeSubrange(lpos...) }
                    }
                    emitText(text, at: pos)
                    pos = end.end
                    finishTagEnd(dash: end.dash, plus: end.plus, trim: true)
                    return
                }
            }
            k += 1
        }
        throw syntaxError("missing '{% endraw %}' for this raw block", at: tagStart)
    }

    /// The Unicode scalar starting at byte `i`, and its UTF-8 length.
    private func scalar(at i: Int) -> (scalar: Unicode.Scalar, length: Int)? {
        guard i < src.count else { return nil }
        let b = src[i]
        let n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        guard i + n <= src.count else { return nil }
        var it = src[i..<i + n].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&it) { return (s, n) }
        return nil
    }

    private mutating func finishTagEnd(dash: Bool, plus: Bool, trim: Bool) {
        if dash {
            var k = pos
            while k < src.count, Self.isSpace(src[k]) { k += 1 }
            lineStarting = k > pos && src[k - 1] == 0x0A
            pos = k
        } else if trim && !plus && pos < src.count && src[pos] == 0x0A {
            pos += 1
            lineStarting = true
        } else {
            lineStarting = false
        }
    }

    private mutating func lexNumber() -> Token.Kind {
        let start = pos
        func digits() { while pos < src.count, (src[pos] >= 0x30 && src[pos] <= 0x39) || src[pos] == UInt8(ascii: "_") { pos += 1 } }
        digits()
        var isFloat = false
        if pos + 1 < src.count, src[pos] == UInt8(ascii: "."), src[pos + 1] >= 0x30 && src[pos + 1] <= 0x39 {
            isFloat = true; pos += 1; digits()
        }
        if pos < src.count, src[pos] | 0x20 == UInt8(ascii: "e") {
            var k = pos + 1
            if k < src.count, src[k] == UInt8(ascii: "+") || src[k] == UInt8(ascii: "-") { k += 1 }
            if k < src.count, src[k] >= 0x30 && src[k] <= 0x39 { isFloat = true; pos = k; digits() }
        }
        let text = String(decoding: src[start..<pos], as: UTF8.self).replacingOccurrences("_", "")
        if !isFloat, let i = Int(text) { return .int(i) }
        return .float(Double(text) ?? .infinity)
    }

    private mutating func lexString(quote: UInt8) throws -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while pos < src.count {
            let c = src[pos]
            pos += 1
            if c == quote { return String(decoding: out, as: UTF8.self) }
            if c != UInt8(ascii: "\\") || pos >= src.count { out.append(c); continue }
            let e = src[pos]
            pos += 1
            func hex(_ n: Int) -> Bool {
                guard pos + n <= src.count, let v = UInt32(String(decoding: src[pos..<pos + n], as: UTF8.self), radix: 16),
                      let s = Unicode.Scalar(v) else { return false }
                out.append(contentsOf: Array(String(Character(s)).utf8)); pos += n; return true
            }
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var v = UInt32(e - 0x30), n = 1
                while n < 3, pos < src.count, src[pos] >= 0x30 && src[pos] <= 0x37 { v = v * 8 + UInt32(src[pos] - 0x30); pos += 1; n += 1 }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(v) ?? "?")).utf8))
            case 0x0A: break
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
            case UInt8(ascii: "x"): if !hex(2) { out.append(0x5C); out.append(e) }
            case UInt8(ascii: "u"): if !hex(4) { out.append(0x5C); out.append(e) }
            case UInt8(ascii: "U"): if !hex(8) { out.append(0x5C); out.append(e) }
            default: out.append(0x5C); out.append(e)
            }
        }
        throw syntaxError("unterminated string literal", at: start)
    }
}

/// Byte offset → 1-based line and column (columns count characters, not bytes).
enum SourceMap {
    static func lineColumn(_ src: [UInt8], _ offset: Int) -> (Int, Int) {
        var line = 1, col = 1
        for b in src[0..<min(max(offset, 0), src.count)] {
            if b == 0x0A { line += 1; col = 1 } else if b & 0xC0 != 0x80 { col += 1 }
        }
        return (line, col)
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        split(separator: Substring(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}
