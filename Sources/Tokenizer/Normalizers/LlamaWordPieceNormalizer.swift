import Foundation

/// llama.cpp's WordPiece pre-processing for BERT GGUF files: each code point replaced by the first code point
/// of its canonical decomposition (so accents fall away), lowercased (first code point of the full mapping),
/// split at whitespace; control characters, NUL and U+FFFD dropped; punctuation, ASCII symbols and CJK
/// ideographs become one-character words.
enum LlamaWordPieceNormalizer {
    static func words(_ cpts: [UInt32]) -> [[UInt32]] {
        var words: [[UInt32]] = [[]]
        for raw in cpts {
            let c = firstOfDecomposition(raw)
            let k = ScalarClass.of(c)
            if k.contains(.whitespace) {
                if !words[words.count - 1].isEmpty { words.append([]) }
                continue
            }
            if c == 0 || c == 0xFFFD || k.contains(.control) { continue }
            let lower = lowercaseFirst(c)
            if k.contains(.punctuation) || (c < 0x7F && k.contains(.symbol)) || BertNormalizer.isCJKIdeograph(c) {
                if !words[words.count - 1].isEmpty { words.append([]) }
                words[words.count - 1] = [lower]
                words.append([])
            } else {
                words[words.count - 1].append(lower)
            }
        }
        if words.last?.isEmpty == true { words.removeLast() }
        return words
    }

    static func firstOfDecomposition(_ c: UInt32) -> UInt32 {
        if c < 0xC0 { return c }
        guard let s = Unicode.Scalar(c) else { return c }
        return String(s).decomposedStringWithCanonicalMapping.unicodeScalars.first?.value ?? c
    }

    static func lowercaseFirst(_ c: UInt32) -> UInt32 {
        if c < 0x80 { return c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
        guard let s = Unicode.Scalar(c) else { return c }
        return s.properties.lowercaseMapping.unicodeScalars.first?.value ?? c
    }
}
