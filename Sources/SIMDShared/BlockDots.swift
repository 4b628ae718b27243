// Shared by KernelsAVX2 and KernelsAVX512 (each target links this file and compiles it with its own
// instruction set). `Here` is the target's public namespace; `mulSumU8S8`, `mulSumS8S8` and `bitsToBytes`
// are the target's primitives (Primitives.swift).
//
// Every kernel computes one weight row · one quantized activation row of `n` values; `w` points at the
// row's first block, `x` at the activation row (Q8_0/Q8_1/Q8_K blocks as in Kernels/ActivationQuant.swift).
// Lane i of a `mulSum` result holds bytes 4i‥4i+3, so lanes 0‥3 cover values 0‥15 and lanes 4‥7 values 16‥31.
import _Builtin_intrinsics.intel

@inline(__always) func ld128(_ p: UnsafeRawPointer) -> __m128i { p.loadUnaligned(as: __m128i.self) }
@inline(__always) func ld256(_ p: UnsafeRawPointer) -> __m256i { p.loadUnaligned(as: __m256i.self) }
/// An f16 field as Float. Through VMOVD (zeroes the register) rather than `Float(Float16)`, whose VPINSRW
/// merges into whatever register LLVM picks (often the FMA accumulator), chaining every block to the last.
@inline(__always) func half(_ p: UnsafeRawPointer, _ o: Int) -> Float {
    _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(Int32(p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))))
}
/// An f16 field broadcast to eight floats (VPBROADCASTW + VCVTPH2PS: no scalar round trip).
@inline(__always) func half8(_ p: UnsafeRawPointer, _ o: Int) -> __m256 {
    _mm256_cvtph_ps(_mm_set1_epi16(p.loadUnaligned(fromByteOffset: o, as: Int16.self)))
}
@inline(__always) func bsum(_ x: UnsafeRawPointer, _ g: Int) -> Int32 {
    Int32(x.loadUnaligned(fromByteOffset: 260 + 2 * g, as: Int16.self))
}
@inline(__always) func bytes(_ v: Int8) -> __m256i { _mm256_set1_epi8(CChar(v)) }
/// Horizontal sum as a tree (3 dependent adds; `SIMD.sum()` here became 8 serial scalar adds per row).
@inline(__always) func hsum(_ v: __m256) -> Float {
    let h4 = v.lowHalf + v.highHalf
    let h2 = h4.lowHalf + h4.highHalf
    return h2[0] + h2[1]
}
/// Eight i32 lanes: the first four `a`, the last four `b` (per-16-value scales against `mulSum` lanes).
@inline(__always) func pairScale(_ a: Int32, _ b: Int32) -> __m256i {
    unsafeBitCast(SIMD8<Int32>(a, a, a, a, b, b, b, b), to: __m256i.self)
}

/// The 32 nibbles of a 16-byte block as bytes: low nibbles are values 0‥15, high nibbles 16‥31.
@inline(__always) func nibbles32(_ p: UnsafeRawPointer) -> __m256i {
    let b = ld128(p)
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), bytes(0x0F))
}

/// Σ_b d_b·Σ lanes(s_b) over `count` blocks, where `block(b)` gives the i32 lane sums and the float scale
/// (broadcast)
/// of block b. Two accumulators alternate so consecutive FMAs do not wait on each other.
@inline(__always) func sumBlocks(_ count: Int, _ block: (Int) -> (__m256i, __m256)) -> Float {
    var a0 = _mm256_setzero_ps(), a1 = a0
    var b = 0
    while b + 1 < count {
        let (s0, d0) = block(b), (s1, d1) = block(b + 1)
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), d0, a0)
        a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), d1, a1)
        b += 2
    }
    if b < count {
        let (s0, d0) = block(b)
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), d0, a0)
    }
    return hsum(_mm256_add_ps(a0, a1))
}

extension Here {
    /// Q4_0 · Q8_0: Σ_blocks d_w·d_x·Σ (q − 8)·x_q.
    @inline(never) public static func dotQ4_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        sumBlocks(n / 32) { b in
            let wb = w + b * 18, xb = x + b * 34
            let q = _mm256_sub_epi8(nibbles32(wb + 2), bytes(8))
            return (mulSumS8S8(q, ld256(xb + 2)), _mm256_mul_ps(half8(wb, 0), half8(xb, 0)))
        }
    }

    /// Q4_1 · Q8_1: Σ d_w·d_x·Σ q·x_q + m_w·s_x, where s_x = d_x·Σ x_q is stored in the Q8_1 block.
    @inline(never) public static func dotQ4_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        var mins = _mm256_setzero_ps()
        let sum = sumBlocks(n / 32) { b in
            let wb = w + b * 20, xb = x + b * 36
            mins = _mm256_fmadd_ps(half8(wb, 2), half8(xb, 2), mins)
            return (mulSumU8S8(nibbles32(wb + 4), ld256(xb + 4)), _mm256_mul_ps(half8(wb, 0), half8(xb, 0)))
        }
        return sum + mins[0]
    }

    /// Q5_0 · Q8_0: the 5th bit comes from `qh`; a clear bit makes the value negative: q4 | 0xF0 = q4 − 16.
    @inline(never) public static func dotQ5_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        sumBlocks(n / 32) { b in
            let wb = w + b * 22, xb = x + b * 34
            let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let q = _mm256_or_si256(nibbles32(wb + 6), _mm256_andnot_si256(hb, bytes(-16)))
            return (mulSumS8S8(q, ld256(xb + 2)), _mm256_mul_ps(half8(wb, 0), half8(xb, 0)))
        }
    }

    /// Q5_1 · Q8_1: unsigned 5-bit q with minimum, as Q4_1.
    @inline(never) public static func dotQ5_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        var mins = _mm256_setzero_ps()
        let sum = sumBlocks(n / 32) { b in
            let wb = w + b * 24, xb = x + b * 36
            let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let q = _mm256_or_si256(nibbles32(wb + 8), _mm256_and_si256(hb, bytes(0x10)))
            mins = _mm256_fmadd_ps(half8(wb, 2), half8(xb, 2), mins)
            return (mulSumU8S8(q, ld256(xb + 4)), _mm256_mul_ps(half8(wb, 0), half8(xb, 0)))
        }
        return sum + mins[0]
    }

    /// Q8_0 · Q8_0.
    @inline(never) public static func dotQ8_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        sumBlocks(n / 32) { b in
            let wb = w + b * 34, xb = x + b * 34
            return (mulSumS8S8(ld256(wb + 2), ld256(xb + 2)), _mm256_mul_ps(half8(wb, 0), half8(xb, 0)))
        }
    }
}
