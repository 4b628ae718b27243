/// GPT-2's byte-level alphabet: every byte gets a printable code point so BPE tokens are text. Printable
/// Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 bytes map to U+0100 upwards
/// in byte order (space becomes `Ġ` U+0120, newline `Ċ` U+010A).
enum ByteLevel {
    /// Code point for each byte.
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
            if printable { table[b] = UInt32(b) } else { table[b] = next; next += 1 }
        }
        return table
    }()

    /// Byte for each code point of the alphabet (U+0000…U+0143), -1 elsewhere.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in byteToScalar.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The alphabet's character for byte `b` (all table values are valid scalars below U+0144).
    static func scalar(_ b: UInt8) -> Unicode.Scalar { Unicode.Scalar(UInt16(byteToScalar[Int(b)])) ?? "?" }

    /// The byte-level text of raw bytes.
    static func encode(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalar(b)) }
        return String(s)
    }

    /// Raw bytes of byte-level text; a code point outside the alphabet is kept as its own UTF-8.
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for u in text.unicodeScalars {
            let v = Int(u.value)
            if v < scalarToByte.count, scalarToByte[v] >= 0 { out.append(UInt8(scalarToByte[v])) } else { appendUTF8(u.value, to: &out) }
        }
        return out
    }
}
