/// Turns a stream of token bytes into text without ever splitting a UTF-8 sequence: bytes of an
/// incomplete character wait for the next token; invalid bytes become U+FFFD.
public struct Utf8Assembler: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Appends bytes; returns the text that is complete so far.
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        // Find the longest prefix that does not end inside a (possibly valid) multi-byte sequence.
        var cut = pending.count
        var i = pending.count - 1
        var back = 0
        while i >= 0 && back < 4 {
            let b = pending[i]
            if b & 0xC0 == 0x80 { i -= 1; back += 1; continue }  // continuation byte
            let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            if need > pending.count - i { cut = i }               // lead byte whose sequence is not complete yet
            break
        }
        let ready = Array(pending[0..<cut])
        pending.removeFirst(cut)
        return String(decoding: ready, as: UTF8.self)
    }

    /// Whatever is left, with incomplete sequences replaced by U+FFFD.
    public mutating func flush() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }
}
