/// One piece of text as code points with their classes, scanned by the pre-tokenizers. Positions are
/// code-point indices; a scanner sees only `[start, end)` and treats everything outside as absent.
struct ScalarText {
    let cpts: [UInt32]
    let classes: [ScalarClass]

    init(_ cpts: [UInt32]) {
        self.cpts = cpts
        self.classes = cpts.map(ScalarClass.of)
    }

    /// UTF-8 bytes of `range`.
    func utf8(_ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        for i in range { appendUTF8(cpts[i], to: &out) }
        return out
    }
}

/// A cursor over `[start, end)` that answers "out of range" past the end, as the regexes' lookahead needs.
struct Cursor {
    let text: ScalarText
    let end: Int

    /// Sentinel for a position past the end (no code point has this value).
    static let outOfRange: UInt32 = 0xFFFF_FFFF

    @inline(__always) func cpt(_ i: Int) -> UInt32 { i < end ? text.cpts[i] : Cursor.outOfRange }
    @inline(__always) func cls(_ i: Int) -> ScalarClass { i < end ? text.classes[i] : .none }
}
