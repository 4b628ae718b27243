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
@inline(__always) func half(_ p: UnsafeRawPointer, _ o: Int) -> Float {
    Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
}
@inline(__always) func bsum(_ x: UnsafeRawPointer, _ g: Int) -> Int32 {
    Int32(x.loadUnaligned(fromByteOffset: 260 + 2 * g, as: Int16.self))
}
@inline(__always) func bytes(_ v: Int8) -> __m256i { _mm256_set1_epi8(CChar(v)) }
@inline(__always) func hsum(_ v: __m256) -> Float { v.sum() }
/// Eight i32 lanes: the first four `a`, the last four `b` (per-16-value scales against `mulSum` lanes).
@inline(__always) func pairScale(_ a: Int32, _ b: Int32) -> __m256i {
    unsafeBitCast(SIMD8<Int32>(a, a, a, a, b, b, b, b), to: __m256i.self)
}

/// The 32 nibbles of a 16-byte block as bytes: low nibbles are values 0‥15, high nibbles 16‥31.
@inline(__always) func nibbles32(_ p: UnsafeRawPointer) -> __m256i {
    let b = ld128(p)
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), bytes(0x0F))
}

extension Here {
    /// Q4_0 · Q8_0: Σ_blocks d_w·d_x·Σ (q − 8)·x_q.
    @inline(never) public static func dotQ4_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        var acc = _mm256_setzero_ps()
        for b in 0..<(n / 32) {
            let wb = w + b * 18, xb = x + b * 34
            let q = _mm256_sub_epi8(nibbles32(wb + 2), bytes(8))
            let s = mulSumS8S8(q, ld256(xb + 2))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(half(wb, 0) * half(xb, 0)), acc)
        }
        return hsum(acc)
    }

    /// Q4_1 · Q8_1: Σ d_w·d_x·Σ q·x_q + m_w·s_x, where s_x = d_x·Σ x_q is stored in the Q8_1 block.
    @inline(never) public static func dotQ4_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        var acc = _mm256_setzero_ps()
        var mins: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * 20, xb = x + b * 36
            let s = mulSumU8S8(nibbles32(wb + 4), ld256(xb + 4))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(half(wb, 0) * half(xb, 0)), acc)
            mins += half(wb, 2) * half(xb, 2)
        }
        return hsum(acc) + mins
    }

    /// Q5_0 · Q8_0: the 5th bit comes from `qh`; a clear bit makes the value negative: q4 | 0xF0 = q4 − 16.
    @inline(never) public static func dotQ5_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        var acc = _mm256_setzero_ps()
        for b in 0..<(n / 32) {
            let wb = w + b * 22, xb = x + b * 34
            let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let q = _mm256_or_si256(nibbles32(wb + 6), _mm256_andnot_si256(hb, bytes(-16)))
            let s = mulSumS8S8(q, ld256(xb + 2))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(half(wb, 0) * half(xb, 0)), acc)
        }
        return hsum(acc)
    }

    /// Q5_1 · Q8_1: unsigned 5-bit q with minimum, as Q4_1.
    @inline(never) public static func dotQ5_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        var acc = _mm256_setzero_ps()
        var mins: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * 24, xb = x + b * 36
            let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let q = _mm256_or_si256(nibbles32(wb + 8), _mm256_and_si256(hb, bytes(0x10)))
            let s = mulSumU8S8(q, ld256(xb + 4))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(half(wb, 0) * half(xb, 0)), acc)
            mins += half(wb, 2) * half(xb, 2)
        }
        return hsum(acc) + mins
    }

    /// Q8_0 · Q8_0.
    @inline(never) public static func dotQ8_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        var acc = _mm256_setzero_ps()
        for b in 0..<(n / 32) {
            let wb = w + b * 34, xb = x + b * 34
            let s = mulSumS8S8(ld256(wb + 2), ld256(xb + 2))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(half(wb, 0) * half(xb, 0)), acc)
        }
        return hsum(acc)
    }
}
