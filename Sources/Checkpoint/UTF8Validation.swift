/// Well-formed UTF-8 as the Unicode standard defines it (Table 3-7): no overlong forms, no surrogates,
/// nothing above U+10FFFF. Exactly the byte strings that `String(decoding:as: UTF8.self)` keeps unchanged.
public enum UTF8Validation {
    /// True when `bytes` is well-formed UTF-8.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var i = 0
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let len: Int, lo: UInt8, hi: UInt8
            switch b0 {
            case 0xC2...0xDF: len = 2; lo = 0x80; hi = 0xBF
            case 0xE0: len = 3; lo = 0xA0; hi = 0xBF
            case 0xE1...0xEC, 0xEE...0xEF: len = 3; lo = 0x80; hi = 0xBF
            case 0xED: len = 3; lo = 0x80; hi = 0x9F
            case 0xF0: len = 4; lo = 0x90; hi = 0xBF
            case 0xF1...0xF3: len = 4; lo = 0x80; hi = 0xBF
            case 0xF4: len = 4; lo = 0x80; hi = 0x8F
            default: return false
            }
            guard i + len <= n, bytes[i + 1] >= lo, bytes[i + 1] <= hi else { return false }
            for k in 2..<len where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += len
        }
        return true
    }
}
