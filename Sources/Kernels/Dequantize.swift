import Checkpoint

/// Errors from kernels that can meet types or shapes they do not handle.
public enum KernelError: Error, CustomStringConvertible, Equatable {
    /// `tensor` has a type with no dequantizer yet.
    case unsupportedType(GGMLType, tensor: String)
    /// The buffer sizes do not match the element count.
    case sizeMismatch(expected: Int, actual: Int, what: String)

    public var description: String {
        switch self {
        case .unsupportedType(let t, let tensor):
            return "tensor '\(tensor)' has type \(t), which Owl cannot dequantize yet; supported: \(Dequantize.supported.map(\.name).joined(separator: ", "))"
        case .sizeMismatch(let e, let a, let what):
            return "\(what): expected \(e) bytes, got \(a)"
        }
    }
}

/// Scalar reference dequantizers: GGML block layouts → F32. Every SIMD kernel is checked against these.
///
/// Layouts (all little-endian, `d`/`m` are scales/minimums stored as f16 unless noted):
/// - Q4_0  `{d, qs[16]}`: x = (q − 8)·d, low nibbles are values 0‥15, high nibbles 16‥31.
/// - Q4_1  `{d, m, qs[16]}`: x = q·d + m.
/// - Q5_0  `{d, qh: u32, qs[16]}`: 5th bit of value j is bit j of qh; x = (q − 16)·d.
/// - Q5_1  `{d, m, qh, qs[16]}`: x = q·d + m.
/// - Q8_0  `{d, qs: i8[32]}`: x = q·d.
/// - K-quants use 256-value super-blocks split in sub-blocks with 6-bit (Q4_K/Q5_K), 4-bit (Q2_K),
///   6-bit signed (Q3_K) or 8-bit (Q6_K) sub-block scales; see each function.
public enum Dequantize {
    /// Types with a dequantizer.
    public static let supported: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                               .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K]

    /// Dequantizes `count` values of `type` from `src` into `dst`.
    /// - Parameters:
    ///   - count: values to produce; a multiple of `type.blockSize`.
    ///   - tensor: the tensor's name, for error messages.
    /// - Throws: `KernelError` when the type is unsupported or the sizes do not match.
    public static func toF32(_ type: GGMLType, src: UnsafeRawBufferPointer, dst: UnsafeMutableBufferPointer<Float>,
                             count: Int, tensor: String = "") throws {
        guard supported.contains(type) else { throw KernelError.unsupportedType(type, tensor: tensor) }
        guard let bytes = type.byteCount(elements: count), bytes <= src.count else {
            throw KernelError.sizeMismatch(expected: type.byteCount(elements: count) ?? -1, actual: src.count, what: "source of '\(tensor)'")
        }
        guard dst.count >= count else {
            throw KernelError.sizeMismatch(expected: count * 4, actual: dst.count * 4, what: "destination of '\(tensor)'")
        }
        guard let s = src.baseAddress, let d = dst.baseAddress, count > 0 else { return }
        let blocks = count / type.blockSize
        let bs = type.typeSize
        for b in 0..<blocks {
            let blk = s + b * bs
            let out = d + b * type.blockSize
            switch type {
            case .f32: out.pointee = blk.loadUnaligned(as: Float.self)
            case .f16: out.pointee = f16ToF32(blk.loadUnaligned(as: UInt16.self))
            case .bf16: out.pointee = bf16ToF32(blk.loadUnaligned(as: UInt16.self))
            case .q4_0: q4_0(blk, out)
            case .q4_1: q4_1(blk, out)
            case .q5_0: q5_0(blk, out)
            case .q5_1: q5_1(blk, out)
            case .q8_0: q8_0(blk, out)
            case .q2_K: q2_K(blk, out)
            case .q3_K: q3_K(blk, out)
            case .q4_K: q4_K(blk, out)
            case .q5_K: q5_K(blk, out)
            case .q6_K: q6_K(blk, out)
            case .q8_K: q8_K(blk, out)
            default: break  // excluded by `supported` above
            }
        }
    }

    /// Dequantizes a whole tensor into a new array.
    public static func toF32(_ info: TensorInfo, data: UnsafeRawBufferPointer) throws -> [Float] {
        var out = [Float](repeating: 0, count: info.elementCount)
        try out.withUnsafeMutableBufferPointer {
            try toF32(info.type, src: data, dst: $0, count: info.elementCount, tensor: info.name)
        }
        return out
    }

    @inline(__always) static func h(_ p: UnsafeRawPointer, _ o: Int) -> Float { f16ToF32(p.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always) static func u8(_ p: UnsafeRawPointer, _ o: Int) -> UInt8 { p.load(fromByteOffset: o, as: UInt8.self) }
    @inline(__always) static func i8(_ p: UnsafeRawPointer, _ o: Int) -> Int8 { p.load(fromByteOffset: o, as: Int8.self) }

    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 0)
        for j in 0..<16 {
            let q = u8(b, 2 + j)
            y[j] = Float(Int(q & 0xF) - 8) * d
            y[j + 16] = Float(Int(q >> 4) - 8) * d
        }
    }

    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 0), m = h(b, 2)
        for j in 0..<16 {
            let q = u8(b, 4 + j)
            y[j] = Float(q & 0xF) * d + m
            y[j + 16] = Float(q >> 4) * d + m
        }
    }

    static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 0)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let q = u8(b, 6 + j)
            let hi0 = Int((qh >> UInt32(j)) & 1) << 4
            let hi1 = Int((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = Float((Int(q & 0xF) | hi0) - 16) * d
            y[j + 16] = Float((Int(q >> 4) | hi1) - 16) * d
        }
    }

    static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 0), m = h(b, 2)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<16 {
            let q = u8(b, 8 + j)
            let hi0 = Int((qh >> UInt32(j)) & 1) << 4
            let hi1 = Int((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = Float(Int(q & 0xF) | hi0) * d + m
            y[j + 16] = Float(Int(q >> 4) | hi1) * d + m
        }
    }

    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 0)
        for j in 0..<32 { y[j] = Float(i8(b, 2 + j)) * d }
    }

    /// Q2_K: scales[16] (low nibble scale, high nibble min), qs[64], d, dmin.
    /// Each 128-value half reads 32 quant bytes four times, 2 bits at a time; 16 sub-blocks of 16 values.
    static func q2_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 80), dmin = h(b, 82)
        var out = 0, sub = 0
        for half in 0..<2 {
            let q = 16 + half * 32
            for shift in stride(from: 0, to: 8, by: 2) {
                for part in 0..<2 {
                    let sc = u8(b, sub); sub += 1
                    let dl = d * Float(sc & 0xF), ml = dmin * Float(sc >> 4)
                    for l in 0..<16 {
                        y[out] = dl * Float((u8(b, q + part * 16 + l) >> UInt8(shift)) & 3) - ml
                        out += 1
                    }
                }
            }
        }
    }

    /// Unpacks the 12 bytes of Q3_K scales into 16 signed 6-bit scales (stored biased by 32).
    static func q3KScales(_ b: UnsafeRawPointer) -> [Int] {
        // Bytes 0‥7 hold the low 4 bits of scales 0‥15 (low nibbles then high nibbles);
        // bytes 8‥11 hold the top 2 bits, four scales per byte.
        var s = [Int](repeating: 0, count: 16)
        for i in 0..<16 {
            let lowByte = u8(b, 96 + (i % 8))
            let low = i < 8 ? Int(lowByte & 0xF) : Int(lowByte >> 4)
            let highByte = u8(b, 96 + 8 + (i % 4))
            let high = Int((highByte >> UInt8(2 * (i / 4))) & 3)
            s[i] = (low | (high << 4)) - 32
        }
        return s
    }

    /// Q3_K: hmask[32], qs[64], scales[12], d. Value = d·scale·(q2 − (high bit clear ? 4 : 0)).
    static func q3_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 108)
        let scales = q3KScales(b)
        var out = 0, sub = 0
        var mask: UInt8 = 1
        for half in 0..<2 {
            let q = 32 + half * 32
            for shift in stride(from: 0, to: 8, by: 2) {
                for part in 0..<2 {
                    let dl = d * Float(scales[sub]); sub += 1
                    for l in 0..<16 {
                        let idx = part * 16 + l
                        let lo = Int((u8(b, q + idx) >> UInt8(shift)) & 3)
                        let hi = (u8(b, idx) & mask) != 0 ? 0 : 4
                        y[out] = dl * Float(lo - hi)
                        out += 1
                    }
                }
                mask <<= 1
            }
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0‥7) packed in the 12 scale bytes of Q4_K/Q5_K.
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (Float, Float) {
        if j < 4 {
            return (Float(u8(s, j) & 63), Float(u8(s, j + 4) & 63))
        }
        let sc = (u8(s, j + 4) & 0xF) | ((u8(s, j - 4) >> 6) << 4)
        let m = (u8(s, j + 4) >> 4) | ((u8(s, j) >> 6) << 4)
        return (Float(sc), Float(m))
    }

    /// Q4_K: d, dmin, scales[12], qs[128]. Eight 32-value sub-blocks: x = d·sc·q − dmin·m.
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 0), dmin = h(b, 2)
        let scales = b + 4
        for chunk in 0..<4 {
            let (s1, m1) = scaleMinK4(2 * chunk, scales)
            let (s2, m2) = scaleMinK4(2 * chunk + 1, scales)
            let q = 16 + chunk * 32
            for l in 0..<32 {
                let v = u8(b, q + l)
                y[chunk * 64 + l] = d * s1 * Float(v & 0xF) - dmin * m1
                y[chunk * 64 + 32 + l] = d * s2 * Float(v >> 4) - dmin * m2
            }
        }
    }

    /// Q5_K: d, dmin, scales[12], qh[32], qs[128]; like Q4_K with a 5th bit from qh.
    static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 0), dmin = h(b, 2)
        let scales = b + 4
        for chunk in 0..<4 {
            let (s1, m1) = scaleMinK4(2 * chunk, scales)
            let (s2, m2) = scaleMinK4(2 * chunk + 1, scales)
            let q = 48 + chunk * 32
            let u1 = UInt8(1) << UInt8(2 * chunk), u2 = UInt8(2) << UInt8(2 * chunk)
            for l in 0..<32 {
                let v = u8(b, q + l), hb = u8(b, 16 + l)
                let lo = Int(v & 0xF) + ((hb & u1) != 0 ? 16 : 0)
                let hi = Int(v >> 4) + ((hb & u2) != 0 ? 16 : 0)
                y[chunk * 64 + l] = d * s1 * Float(lo) - dmin * m1
                y[chunk * 64 + 32 + l] = d * s2 * Float(hi) - dmin * m2
            }
        }
    }

    /// Q6_K: ql[128], qh[64], scales: i8[16], d. Value = d·scale·(q6 − 32), 16 sub-blocks of 16.
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = h(b, 208)
        for half in 0..<2 {
            let ql = half * 64, qh = 128 + half * 32, sc = 192 + half * 8
            let base = half * 128
            for l in 0..<32 {
                let isc = l / 16
                let a = u8(b, ql + l), c = u8(b, ql + l + 32), hb = u8(b, qh + l)
                let q1 = Int((a & 0xF) | ((hb & 3) << 4)) - 32
                let q2 = Int((c & 0xF) | (((hb >> 2) & 3) << 4)) - 32
                let q3 = Int((a >> 4) | (((hb >> 4) & 3) << 4)) - 32
                let q4 = Int((c >> 4) | (((hb >> 6) & 3) << 4)) - 32
                y[base + l] = d * Float(i8(b, sc + isc)) * Float(q1)
                y[base + l + 32] = d * Float(i8(b, sc + isc + 2)) * Float(q2)
                y[base + l + 64] = d * Float(i8(b, sc + isc + 4)) * Float(q3)
                y[base + l + 96] = d * Float(i8(b, sc + isc + 6)) * Float(q4)
            }
        }
    }

    /// Q8_K: d (f32), qs: i8[256], bsums: i16[16] (sums used by dot products, not by dequantization).
    static func q8_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = b.loadUnaligned(as: Float.self)
        for j in 0..<256 { y[j] = Float(i8(b, 4 + j)) * d }
    }
}
