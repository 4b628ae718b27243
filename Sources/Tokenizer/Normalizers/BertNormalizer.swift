import Foundation

/// Hugging Face's `BertNormalizer`, in its order: clean text (drop NUL, U+FFFD and control/format/private/
/// unassigned characters; whitespace becomes a space), put spaces around CJK ideographs, strip accents (NFD,
/// drop nonspacing marks), lowercase (full Unicode mapping).
struct BertNormalizer: Sendable {
    var cleanText = true
    var handleChineseChars = true
    var stripAccents = true
    var lowercase = true

    /// CJK Unified Ideographs and their extensions and compatibility blocks (not kana or Hangul).
    static func isCJKIdeograph(_ c: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x20000...0x2A6DF).contains(c)
            || (0x2A700...0x2B73F).contains(c) || (0x2B740...0x2B81F).contains(c) || (0x2B920...0x2CEAF).contains(c)
            || (0xF900...0xFAFF).contains(c) || (0x2F800...0x2FA1F).contains(c)
    }

    func normalize(_ input: [UInt32]) -> [UInt32] {
        var cpts: [UInt32] = []
        cpts.reserveCapacity(input.count)
        for c in input {
            if cleanText {
                if c == 0 || c == 0xFFFD { continue }
                let isWS = c == 0x09 || c == 0x0A || c == 0x0D || ScalarClass.of(c).contains(.whitespace)
                if isWS { cpts.append(0x20); continue }
                let k = ScalarClass.of(c)
                if k.contains(.control) || k.contains(.unassigned) { continue }
            }
            if handleChineseChars && Self.isCJKIdeograph(c) {
                cpts.append(0x20); cpts.append(c); cpts.append(0x20)
            } else {
                cpts.append(c)
            }
        }
        if stripAccents {
            var out: [UInt32] = []
            out.reserveCapacity(cpts.count)
            var nonASCII: [UInt32] = []
            func flush() {
                guard !nonASCII.isEmpty else { return }
                var s = String.UnicodeScalarView()
                for c in nonASCII { if let u = Unicode.Scalar(c) { s.append(u) } }
                for u in String(s).decomposedStringWithCanonicalMapping.unicodeScalars
                where u.properties.generalCategory != .nonspacingMark {
                    out.append(u.value)
                }
                nonASCII.removeAll(keepingCapacity: true)
            }
            for c in cpts {
                if c < 0x80 { flush(); out.append(c) } else { nonASCII.append(c) }
            }
            flush()
            cpts = out
        }
        if lowercase {
            var out: [UInt32] = []
            out.reserveCapacity(cpts.count)
            for c in cpts {
                if c < 0x80 {
                    out.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
                } else if let u = Unicode.Scalar(c) {
                    for l in u.properties.lowercaseMapping.unicodeScalars { out.append(l.value) }
                }
            }
            cpts = out
        }
        return cpts
    }
}

/// Hugging Face's `BertPreTokenizer`: split at whitespace (dropped) and make every punctuation character
/// (Unicode P, plus all ASCII punctuation and symbols) its own word.
enum BertPreTokenizer {
    static func words(_ cpts: [UInt32]) -> [[UInt32]] {
        var words: [[UInt32]] = []
        var current: [UInt32] = []
        for c in cpts {
            let k = ScalarClass.of(c)
            if k.contains(.whitespace) {
                if !current.isEmpty { words.append(current); current = [] }
            } else if k.contains(.punctuation) || isASCIIPunctuation(c) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([c])
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func isASCIIPunctuation(_ c: UInt32) -> Bool {
        (0x21...0x2F).contains(c) || (0x3A...0x40).contains(c) || (0x5B...0x60).contains(c) || (0x7B...0x7E).contains(c)
    }
}
