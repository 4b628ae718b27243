import Checkpoint

/// Scalar reference dot products between one quantized weight row (ggml block layout) and one row
/// of 8-bit quantized activations (`ScaledActivationFormat`). Integer products are summed exactly
/// per block; the block's scales are applied in F32. Pairs (weight × activation):
/// Q4_0, Q5_0, Q8_0 × Q8_0; Q4_1, Q5_1 × Q8_1 (the activation sum `s` folds in the weight minimum
/// `m`: Σ(q·d + m)·a = d·dₐ·Σq·qₐ + m·s); Q4_K, Q5_K, Q6_K × Q8_K (the 16-value sums `bsums`
/// fold in the sub-block minimums).
public enum QuantDot {
    /// A dot product of `count` values: weight row bytes, activation row bytes, count.
    public typealias Kernel = (UnsafeRawPointer, UnsafeRawPointer, Int) -> Float

    /// The kernel for weights of `type`, or nil when there is none (see `QuantizeActivations.activationType`).
    public static func kernel(for type: GGMLType) -> Kernel? {
        switch type {
        case .q4_0: return q4_0
        case .q4_1: return q4_1
        case .q5_0: return q5_0
        case .q5_1: return q5_1
        case .q8_0: return q8_0
        case .q4_K: return q4_K
        case .q5_K: return q5_K
        case .q6_K: return q6_K
        default: return nil
        }
    }

    @inline(__always) static func h(_ p: UnsafeRawPointer, _ o: Int) -> Float {
        halfBitsToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
    }
    @inline(__always) static func f(_ p: UnsafeRawPointer, _ o: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
    }
    @inline(__always) static func u8(_ p: UnsafeRawPointer) -> UnsafePointer<UInt8> { p.assumingMemoryBound(to: UInt8.self) }
    @inline(__always) static func i8(_ p: UnsafeRawPointer) -> UnsafePointer<Int8> { p.assumingMemoryBound(to: Int8.self) }

    /// Q4_0 `{d, qs[16]}` × Q8_0: weight value = nibble − 8.
    public static func q4_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * 18, ab = a + b * 36
            let wq = u8(wb + 2), aq = i8(ab + 4)
            var s: Int32 = 0
            for j in 0..<16 {
                s &+= (Int32(wq[j] & 0xF) &- 8) &* Int32(aq[j]) &+ (Int32(wq[j] >> 4) &- 8) &* Int32(aq[j + 16])
            }
            sum += h(wb, 0) * f(ab, 0) * Float(s)
        }
        return sum
    }

    /// Q4_1 `{d, m, qs[16]}` × Q8_1 `{d, s, qs[32]}`.
    public static func q4_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * 20, ab = a + b * 40
            let wq = u8(wb + 4), aq = i8(ab + 8)
            var s: Int32 = 0
            for j in 0..<16 {
                s &+= Int32(wq[j] & 0xF) &* Int32(aq[j]) &+ Int32(wq[j] >> 4) &* Int32(aq[j + 16])
            }
            sum += h(wb, 0) * f(ab, 0) * Float(s) + h(wb, 2) * f(ab, 4)
        }
        return sum
    }

    /// Q5_0 `{d, qh: u32, qs[16]}` × Q8_0: value j = (nibble | bit j of qh << 4) − 16.
    public static func q5_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * 22, ab = a + b * 36
            let qh = UInt32(littleEndian: wb.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let wq = u8(wb + 6), aq = i8(ab + 4)
            var s: Int32 = 0
            for j in 0..<16 {
                let lo = Int32(wq[j] & 0xF) | Int32((qh >> UInt32(j)) & 1) << 4
                let hi = Int32(wq[j] >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
                s &+= (lo &- 16) &* Int32(aq[j]) &+ (hi &- 16) &* Int32(aq[j + 16])
            }
            sum += h(wb, 0) * f(ab, 0) * Float(s)
        }
        return sum
    }

    /// Q5_1 `{d, m, qh: u32, qs[16]}` × Q8_1.
    public static func q5_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * 24, ab = a + b * 40
            let qh = UInt32(littleEndian: wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let wq = u8(wb + 8), aq = i8(ab + 8)
            var s: Int32 = 0
            for j in 0..<16 {
                let lo = Int32(wq[j] & 0xF) | Int32((qh >> UInt32(j)) & 1) << 4
                let hi = Int32(wq[j] >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
                s &+= lo &* Int32(aq[j]) &+ hi &* Int32(aq[j + 16])
            }
            sum += h(wb, 0) * f(ab, 0) * Float(s) + h(wb, 2) * f(ab, 4)
        }
        return sum
    }

    /// Q8_0 × Q8_0.
    public static func q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * 34, ab = a + b * 36
            let wq = i8(wb + 2), aq = i8(ab + 4)
            var s: Int32 = 0
            for j in 0..<32 { s &+= Int32(wq[j]) &* Int32(aq[j]) }
            sum += h(wb, 0) * f(ab, 0) * Float(s)
        }
        return sum
    }

    /// The 6-bit scales and minimums of the 8 sub-blocks of a Q4_K/Q5_K block (12 packed bytes).
    @inline(__always)
    static func scalesMinsK4(_ s: UnsafePointer<UInt8>) -> (sc: SIMD8<Int32>, m: SIMD8<Int32>) {
        var sc = SIMD8<Int32>(), m = SIMD8<Int32>()
        for j in 0..<4 {
            sc[j] = Int32(s[j] & 63)
            m[j] = Int32(s[j + 4] & 63)
        }
        for j in 4..<8 {
            sc[j] = Int32((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4))
            m[j] = Int32((s[j + 4] >> 4) | ((s[j] >> 6) << 4))
        }
        return (sc, m)
    }

    /// Σ over the 8 sub-blocks of minimum × (sum of the sub-block's 32 activations), from Q8_K bsums.
    @inline(__always)
    static func minTerm(_ m: SIMD8<Int32>, _ ab: UnsafeRawPointer) -> Int32 {
        var s: Int32 = 0
        for g in 0..<16 {
            s &+= m[g / 2] &* Int32(Int16(littleEndian: ab.loadUnaligned(fromByteOffset: 260 + 2 * g, as: Int16.self)))
        }
        return s
    }

    /// Q4_K `{d, dmin, scales[12], qs[128]}` × Q8_K: value = d·sc·q − dmin·m per 32-value sub-block.
    public static func q4_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let wb = w + b * 144, ab = a + b * 292
            let da = ab.loadUnaligned(as: Float.self)
            let (sc, m) = scalesMinsK4(u8(wb + 4))
            let q = u8(wb + 16), aq = i8(ab + 4)
            var s: Int32 = 0
            for c in 0..<4 {
                var lo: Int32 = 0, hi: Int32 = 0
                for l in 0..<32 {
                    let v = q[c * 32 + l]
                    lo &+= Int32(v & 0xF) &* Int32(aq[c * 64 + l])
                    hi &+= Int32(v >> 4) &* Int32(aq[c * 64 + 32 + l])
                }
                s &+= sc[2 * c] &* lo &+ sc[2 * c + 1] &* hi
            }
            sum += da * h(wb, 0) * Float(s) - da * h(wb, 2) * Float(minTerm(m, ab))
        }
        return sum
    }

    /// Q5_K `{d, dmin, scales[12], qh[32], qs[128]}` × Q8_K: Q4_K with a fifth bit from qh.
    public static func q5_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let wb = w + b * 176, ab = a + b * 292
            let da = ab.loadUnaligned(as: Float.self)
            let (sc, m) = scalesMinsK4(u8(wb + 4))
            let qh = u8(wb + 16), q = u8(wb + 48), aq = i8(ab + 4)
            var s: Int32 = 0
            for c in 0..<4 {
                let u1 = UInt8(1) << UInt8(2 * c), u2 = UInt8(2) << UInt8(2 * c)
                var lo: Int32 = 0, hi: Int32 = 0
                for l in 0..<32 {
                    let v = q[c * 32 + l], hb = qh[l]
                    lo &+= (Int32(v & 0xF) &+ ((hb & u1) != 0 ? 16 : 0)) &* Int32(aq[c * 64 + l])
                    hi &+= (Int32(v >> 4) &+ ((hb & u2) != 0 ? 16 : 0)) &* Int32(aq[c * 64 + 32 + l])
                }
                s &+= sc[2 * c] &* lo &+ sc[2 * c + 1] &* hi
            }
            sum += da * h(wb, 0) * Float(s) - da * h(wb, 2) * Float(minTerm(m, ab))
        }
        return sum
    }

    /// Q6_K `{ql[128], qh[64], scales: i8[16], d}` × Q8_K: value = d·scale·(q6 − 32), 16-value groups.
    public static func q6_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let wb = w + b * 210, ab = a + b * 292
            let da = ab.loadUnaligned(as: Float.self)
            let scales = i8(wb + 192)
            var s: Int32 = 0
            for half in 0..<2 {
                let ql = u8(wb + half * 64), qh = u8(wb + 128 + half * 32), aq = i8(ab + 4 + half * 128)
                for k in 0..<4 {
                    for sub in 0..<2 {
                        var g: Int32 = 0
                        for l in (sub * 16)..<(sub * 16 + 16) {
                            let low: UInt8
                            switch k {
                            case 0: low = ql[l] & 0xF
                            case 1: low = ql[l + 32] & 0xF
                            case 2: low = ql[l] >> 4
                            default: low = ql[l + 32] >> 4
                            }
                            let high = (qh[l] >> UInt8(2 * k)) & 3
                            g &+= (Int32(low | (high << 4)) &- 32) &* Int32(aq[k * 32 + l])
                        }
                        s &+= Int32(scales[half * 8 + k * 2 + sub]) &* g
                    }
                }
            }
            sum += da * h(wb, 208) * Float(s)
        }
        return sum
    }
}
