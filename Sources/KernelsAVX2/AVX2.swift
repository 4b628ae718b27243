// AVX2 + FMA + F16C kernels (x86-64-v3). Call only after `Kernels` checked the CPU: this module may use
// those instructions anywhere. It has no stored globals, so nothing here runs unless called.
import _Builtin_intrinsics.intel

/// Dot-product kernels for x86-64-v3 CPUs (Haswell and later).
public enum AVX2 {}
typealias Here = AVX2

/// Σ over groups of four bytes of u8 × i8 products, as eight i32 lanes (pairs summed in i16, cannot
/// saturate for |u| ≤ 128, |s| ≤ 127: 2·128·127 < 32768).
@inline(__always) func mulSumU8S8(_ u: __m256i, _ s: __m256i) -> __m256i {
    _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1))
}

/// i8 × i8 through the u8 × i8 form: |a| · (b with a's sign).
@inline(__always) func mulSumS8S8(_ a: __m256i, _ b: __m256i) -> __m256i {
    mulSumU8S8(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a))
}

/// i8 weights × i8 activations where several rows share the activations (the sign trick: AVX2's u8 × i8
/// pair sums would saturate for a biased weight in 0‥255).
@inline(__always) func mulSumS8S8Shared(_ w: __m256i, _ x: __m256i) -> __m256i { mulSumS8S8(w, x) }

/// 32 bits → 32 bytes, 0xFF where the bit is set: byte j takes the byte of `bits` that holds bit j,
/// sets every other bit, and compares with all-ones.
@inline(__always) func bitsToBytes(_ bits: UInt32) -> __m256i {
    let spread = _mm256_shuffle_epi8(_mm256_set1_epi32(Int32(bitPattern: bits)),
                                     _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0))
    let ored = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7FBF_DFEF_F7FB_FDFE))
    return _mm256_cmpeq_epi8(ored, _mm256_set1_epi64x(-1))
}

extension AVX2 {
    /// F32 · F32 with four 8-lane FMA accumulators.
    @inline(never) public static func dotF32(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        let a = w.assumingMemoryBound(to: Float.self), b = x.assumingMemoryBound(to: Float.self)
        var s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0
        var i = 0
        while i + 32 <= n {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0)
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1)
            s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2)
            s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3)
            i += 32
        }
        while i + 8 <= n { s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0); i += 8 }
        var sum = hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)))
        while i < n { sum += a[i] * b[i]; i += 1 }
        return sum
    }

    /// F16 weights · F32 activations (F16C conversion, FMA).
    @inline(never) public static func dotF16(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        let b = x.assumingMemoryBound(to: Float.self)
        var s0 = _mm256_setzero_ps(), s1 = s0
        var i = 0
        while i + 16 <= n {
            s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(ld128(w + 2 * i)), _mm256_loadu_ps(b + i), s0)
            s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(ld128(w + 2 * i + 16)), _mm256_loadu_ps(b + i + 8), s1)
            i += 16
        }
        var sum = hsum(_mm256_add_ps(s0, s1))
        while i < n { sum += half(w, 2 * i) * b[i]; i += 1 }
        return sum
    }
}
