/// A bounds-checked little-endian cursor over untrusted bytes.
///
/// Every read checks the remaining length first, so no input can make it read outside `bytes`;
/// lengths are validated against what is left before anything is allocated.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    func fail(_ message: String) -> CheckpointError {
        .malformed(path: path, offset: offset, message: message)
    }

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        if n < 0 || n > remaining {
            throw fail("\(what()) needs \(n) bytes but only \(remaining) remain")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        try need(size, what())
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: v)
    }

    mutating func readF32(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readF64(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A GGUF string: u64 length then bytes. Invalid UTF-8 is repaired (U+FFFD) rather than trusted.
    mutating func readString(_ what: @autoclosure () -> String, maxLength: Int = 1 << 30) throws -> String {
        let len = try read(UInt64.self, "length of \(what())")
        guard len <= UInt64(min(remaining, maxLength)) else {
            throw fail("\(what()) claims \(len) bytes but only \(remaining) remain")
        }
        let n = Int(len)
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]), as: UTF8.self)
        offset += n
        return s
    }

    mutating func skip(_ n: Int, _ what: @autoclosure () -> String) throws {
        try need(n, what())
        offset += n
    }

    mutating func seek(to o: Int) throws {
        guard o >= 0, o <= bytes.count else { throw fail("offset \(o) is past the end (\(bytes.count) bytes)") }
        offset = o
    }
}
