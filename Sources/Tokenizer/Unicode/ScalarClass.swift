/// The Unicode facts the tokenizers ask about one code point, packed in a byte: the regex classes
/// `\p{L}`, `\p{N}`, `\p{P}`, `\s` and a few more, from the general category and the White_Space property.
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt16
    static let letter = ScalarClass(rawValue: 1 << 0)
    static let number = ScalarClass(rawValue: 1 << 1)
    static let whitespace = ScalarClass(rawValue: 1 << 2)
    static let punctuation = ScalarClass(rawValue: 1 << 3)
    static let symbol = ScalarClass(rawValue: 1 << 4)
    static let control = ScalarClass(rawValue: 1 << 5)
    static let mark = ScalarClass(rawValue: 1 << 6)
    static let nonspacingMark = ScalarClass(rawValue: 1 << 7)
    static let separator = ScalarClass(rawValue: 1 << 8)
    static let unassigned = ScalarClass(rawValue: 1 << 9)
    /// Past the end of the text being scanned (the scanners' "out of range"): no class at all.
    static let none: ScalarClass = []

    /// Table for ASCII so the hot path avoids the Unicode property lookup.
    private static let ascii: [ScalarClass] = (0..<128).map { compute(UInt32($0)) }

    /// The class of code point `c` (surrogates and values past U+10FFFF count as control).
    @inline(__always)
    static func of(_ c: UInt32) -> ScalarClass {
        c < 128 ? ascii[Int(c)] : compute(c)
    }

    static func compute(_ c: UInt32) -> ScalarClass {
        guard let s = Unicode.Scalar(c) else { return .control }
        let p = s.properties
        var r: ScalarClass = []
        if p.isWhitespace { r.insert(.whitespace) }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: r.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber: r.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: r.insert(.punctuation)
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: r.insert(.symbol)
        case .nonspacingMark: r.insert([.mark, .nonspacingMark])
        case .spacingMark, .enclosingMark: r.insert(.mark)
        case .spaceSeparator, .lineSeparator, .paragraphSeparator: r.insert(.separator)
        case .control, .format, .surrogate, .privateUse: r.insert(.control)
        case .unassigned: r.insert(.unassigned)
        @unknown default: r.insert(.unassigned)
        }
        return r
    }
}

/// Appends the UTF-8 encoding of code point `c`.
@inline(__always)
func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
    if c < 0x80 {
        out.append(UInt8(c))
    } else if c < 0x800 {
        out.append(UInt8(0xC0 | (c >> 6))); out.append(UInt8(0x80 | (c & 0x3F)))
    } else if c < 0x10000 {
        out.append(UInt8(0xE0 | (c >> 12))); out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (c & 0x3F)))
    } else {
        out.append(UInt8(0xF0 | (c >> 18))); out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((c >> 6) & 0x3F))); out.append(UInt8(0x80 | (c & 0x3F)))
    }
}

/// Length of the UTF-8 sequence a lead byte announces, by its high nibble as llama.cpp counts it
/// (continuation and invalid lead bytes count as 1).
@inline(__always)
func utf8SequenceLength(_ lead: UInt8) -> Int {
    switch lead >> 4 {
    case 0xC, 0xD: return 2
    case 0xE: return 3
    case 0xF: return 4
    default: return 1
    }
}
