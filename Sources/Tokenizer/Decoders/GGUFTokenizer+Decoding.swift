/// Token → bytes and detokenization, as llama.cpp's `token_to_piece` and `detokenize`.
extension GGUFTokenizer {
    public func pieceBytes(_ id: Int, renderSpecial: Bool) -> [UInt8] {
        guard id >= 0, id < vocab.count else { return [] }
        let a = vocab.attributes[id]
        let special = !a.isDisjoint(with: [.control, .unknown])
        if special && !renderSpecial { return [] }
        if special || a.contains(.userDefined) { return Array(vocab.utf8(id)) }
        let text = vocab.text(id)
        switch model {
        case .bpe(_, let pre):
            if a.contains(.normal) { return pre.byteLevel ? ByteLevel.decode(text) : Self.unescapeWhitespace(text) }
            if a.contains(.byte), let b = Self.byteValue(text) { return [b] }
            return []
        case .sentencePiece, .wordPiece:
            if a.contains(.normal) { return Self.unescapeWhitespace(text) }
            if a.contains(.byte), let b = Self.byteValue(text) { return [b] }
            return []
        }
    }

    /// `▁` (U+2581) back to a space.
    static func unescapeWhitespace(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(text.utf8)
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            if i + 2 < u.count && u[i] == 0xE2 && u[i + 1] == 0x96 && u[i + 2] == 0x81 { out.append(0x20); i += 3 } else { out.append(u[i]); i += 1 }
        }
        return out
    }

    /// The byte of a `<0xNN>` token.
    static func byteValue(_ text: String) -> UInt8? {
        let u = Array(text.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }

    public func decode(_ ids: [Int], removeSpecial: Bool, renderSpecial: Bool) -> String {
        var ids = ids[...]
        var removeSpace = addSpacePrefix
        if removeSpecial && addsBOS, let b = vocab.bos, ids.first == b { removeSpace = false; ids = ids.dropFirst() }
        if removeSpecial && addsEOS, let e = vocab.eos, ids.last == e { ids = ids.dropLast() }
        var bytes: [UInt8] = []
        for id in ids {
            var piece = pieceBytes(id, renderSpecial: renderSpecial)
            if removeSpace, piece.first == 0x20 { piece.removeFirst() }
            removeSpace = false
            bytes.append(contentsOf: piece)
        }
        if cleanSpaces { bytes = Self.cleanUpSpaces(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Hugging Face's `clean_up_tokenization_spaces` as llama.cpp applies it: no space before `?!.,`;
    /// `" ' "` loses both spaces; no space before `'s`, `'m`, `'re`, `'ve`.
    static func cleanUpSpaces(_ t: [UInt8]) -> [UInt8] {
        guard t.count > 1 else { return t }
        var a: [UInt8] = [t[0]]
        for i in 1..<t.count {
            let x = t[i]
            if t[i - 1] == 0x20 && (x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C) { a.removeLast() }
            a.append(x)
        }
        var b: [UInt8] = [a[0]]
        var i = 1
        while i < a.count {
            let x = a[i]
            if x == 0x27 && i + 1 < a.count && a[i - 1] == 0x20 && a[i + 1] == 0x20 {
                b.removeLast(); b.append(x); i += 2; continue
            }
            b.append(x); i += 1
        }
        guard b.count > 1 else { return b }
        var c: [UInt8] = [b[0]]
        for i in 1..<b.count {
            let x = b[i]
            if b[i - 1] == 0x20 && x == 0x27 && i + 1 < b.count {
                let x1 = b[i + 1]
                if x1 == 0x73 || x1 == 0x6D {
                    c.removeLast()
                } else if i + 2 < b.count {
                    let x2 = b[i + 2]
                    if (x1 == 0x72 && x2 == 0x65) || (x1 == 0x76 && x2 == 0x65) { c.removeLast() }
                }
            }
            c.append(x)
        }
        return c
    }
}
