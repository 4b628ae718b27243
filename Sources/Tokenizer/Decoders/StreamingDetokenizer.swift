/// Turns token ids into text as they are generated. A token can end in the middle of a UTF-8 character
/// (byte-fallback and byte-level tokens), so incomplete trailing bytes are held back until the character
/// completes; `finish()` flushes what is left, replacing invalid bytes with U+FFFD.
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: any TextTokenizer
    private let renderSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: any TextTokenizer, renderSpecial: Bool) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds one token; returns the text that is now complete (possibly empty).
    public mutating func append(_ id: Int) -> String {
        append(bytes: tokenizer.pieceBytes(id, renderSpecial: renderSpecial))
    }

    /// Adds raw bytes; returns the text that is now complete (possibly empty).
    public mutating func append(bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        let cut = Self.completePrefixLength(pending)
        if cut == 0 { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Flushes held-back bytes (an incomplete character becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix that can be printed now: everything except a trailing sequence that is a valid
    /// but incomplete start of a UTF-8 character (invalid bytes are not held: they print as U+FFFD).
    static func completePrefixLength(_ b: [UInt8]) -> Int {
        let n = b.count
        var i = n - 1
        var back = 0
        while i >= 0 && back < 3 && b[i] & 0xC0 == 0x80 { i -= 1; back += 1 }
        guard i >= 0 else { return n }
        let lead = b[i]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return n
        }
        let have = n - i
        if have >= need { return n }
        // The second byte narrows the valid range for some leads (no overlongs, surrogates, > U+10FFFF).
        if have >= 2 {
            let s = b[i + 1]
            switch lead {
            case 0xE0: if s < 0xA0 { return n }
            case 0xED: if s > 0x9F { return n }
            case 0xF0: if s < 0x90 { return n }
            case 0xF4: if s > 0x8F { return n }
            default: break
            }
        }
        return i
    }
}
