import Checkpoint

/// Something that maps token text to an id.
protocol TokenLookup: Sendable {
    subscript(_ text: String) -> Int? { get }
}

extension Dictionary: TokenLookup where Key == TokenKey, Value == Int {}

/// Text → token id over the vocabulary's own bytes: an open-addressing hash table (linear probing) whose
/// slots hold token ids, compared byte for byte against the token texts it keeps (usually a zero-copy view
/// of the GGUF file). For 262,144 tokens: 2 MiB of slots, no per-token allocation. Duplicate texts: the
/// last id wins, as llama.cpp builds its map.
struct TokenIndex: TokenLookup {
    /// Token texts in id order (a string table).
    let texts: GGUFArray
    /// Token id per slot, -1 when empty; the slot count is a power of two at least 4/3 of the token count.
    private let slots: [Int32]
    private let mask: Int

    /// - Parameter texts: a string table (`isStringTable`) of fewer than 2^31 tokens.
    init(texts: GGUFArray) {
        precondition(texts.isStringTable && texts.count < Int(Int32.max), "TokenIndex needs a string table")
        self.texts = texts
        var capacity = 16
        while capacity < texts.count + texts.count / 3 + 1 { capacity *= 2 }
        mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)
        for id in 0..<texts.count {
            let text = texts.utf8(at: id)
            var h = Self.hash(text) & mask
            while true {
                let s = slots[h]
                if s < 0 || Self.equal(texts.utf8(at: Int(s)), text) { slots[h] = Int32(id); break }
                h = (h + 1) & mask
            }
        }
        self.slots = slots
    }

    /// The id of the token whose text is exactly `bytes`.
    func id(exactly bytes: UnsafeRawBufferPointer) -> Int? {
        var h = Self.hash(bytes) & mask
        while true {
            let s = slots[h]
            if s < 0 { return nil }
            if Self.equal(texts.utf8(at: Int(s)), bytes) { return Int(s) }
            h = (h + 1) & mask
        }
    }

    /// The id of the token whose text is exactly `bytes`.
    func id(exactly bytes: ArraySlice<UInt8>) -> Int? {
        bytes.withUnsafeBytes { id(exactly: $0) }
    }

    /// The id of the token `String(decoding: bytes, as: UTF8.self)` names: invalid UTF-8 is repaired first.
    func id(decoding bytes: ArraySlice<UInt8>) -> Int? {
        bytes.withUnsafeBytes { b in
            UTF8Validation.isValid(b) ? id(exactly: b) : self[String(decoding: b, as: UTF8.self)]
        }
    }

    subscript(_ text: String) -> Int? {
        var t = text
        return t.withUTF8 { id(exactly: UnsafeRawBufferPointer($0)) }
    }

    /// FNV-1a over the bytes, then a multiply-xorshift finish so the low bits (the slot) mix well.
    @inline(__always)
    private static func hash(_ b: UnsafeRawBufferPointer) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for x in b { h = (h ^ UInt64(x)) &* 0x100_0000_01B3 }
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }
}

/// Token scores: a view of the file's packed float32 array, or decoded values for other element types.
struct TokenScores: @unchecked Sendable {
    /// Keeps the packed bytes alive (their mapping or copy).
    private let owner: GGUFArray?
    /// The packed float32 values (little-endian), read-only.
    private let packed: UnsafeRawBufferPointer?
    private let values: [Float]
    let count: Int

    /// `tokenizer.ggml.scores` (nil: no scores).
    init(_ array: GGUFArray?) {
        if let a = array, a.elementType == .float32, let p = a.packedBytes {
            owner = a; packed = p; values = []; count = a.count
        } else {
            // Other layouts keep the old reading: every numeric element as Float, others skipped.
            owner = nil; packed = nil
            values = array?.compactMap { $0.double.map(Float.init) } ?? []
            count = values.count
        }
    }

    subscript(i: Int) -> Float {
        guard let p = packed else { return values[i] }
        return Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
    }
}
