/// A vocabulary key compared byte for byte. Swift's `String ==` uses canonical equivalence, which would merge
/// distinct tokens such as `;` (U+003B) and the Greek question mark (U+037E), or precomposed and decomposed
/// `ά`; tokenizers compare bytes.
struct TokenKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: TokenKey, b: TokenKey) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var t = text
        t.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Text → token id, keyed by bytes.
typealias TokenTable = [TokenKey: Int]

extension Dictionary where Key == TokenKey {
    subscript(_ text: String) -> Value? {
        get { self[TokenKey(text)] }
        set { self[TokenKey(text)] = newValue }
    }
}
