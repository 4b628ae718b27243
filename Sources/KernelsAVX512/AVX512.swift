// AVX-512 (F, BW, VL, DQ) + VNNI kernels. Call only after `Kernels` checked the CPU and the OS: this
// module may use those instructions anywhere. It has no stored globals, so nothing here runs unless called.
import _Builtin_intrinsics.intel

/// Dot-product kernels for CPUs with AVX-512 VNNI (Ice Lake, Zen 4 and later).
public enum AVX512 {}
typealias Here = AVX512

/// Σ over groups of four bytes of u8 × i8 products, as eight i32 lanes (one VPDPBUSD; exact in i32).
@inline(__always) func mulSumU8S8(_ u: __m256i, _ s: __m256i) -> __m256i {
    _mm256_mask_dpbusd_epi32(_mm256_setzero_si256(), 0xFF, u, s)
}

/// i8 × i8 through the u8 × i8 form: |a| · (b with a's sign).
@inline(__always) func mulSumS8S8(_ a: __m256i, _ b: __m256i) -> __m256i {
    mulSumU8S8(_mm256_abs_epi8(a), _mm256_sign_epi8(b, a))
}

/// i8 weights × i8 activations where several rows share the activations: Σ w·x = Σ (w + 128)·x − 128·Σ x.
/// w XOR 0x80 is w + 128 as u8; −128·Σ x depends only on x (computed once for all rows of a `rows4`) and
/// seeds the VPDPBUSD accumulator (exact in i32).
@inline(__always) func mulSumS8S8Shared(_ w: __m256i, _ x: __m256i) -> __m256i {
    let bias = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(mulSumU8S8(bytes(1), x), 7))
    return _mm256_mask_dpbusd_epi32(bias, 0xFF, _mm256_xor_si256(w, bytes(-128)), x)
}

/// 32 bits → 32 bytes, 0xFF where the bit is set (mask register to vector).
@inline(__always) func bitsToBytes(_ bits: UInt32) -> __m256i { _mm256_movm_epi8(bits) }

extension AVX512 {
    /// F32 · F32 with two 16-lane FMA accumulators.
    @inline(never) public static func dotF32(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        let a = w.assumingMemoryBound(to: Float.self), b = x.assumingMemoryBound(to: Float.self)
        var s0 = _mm512_setzero_ps(), s1 = s0
        var i = 0
        while i + 32 <= n {
            s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0)
            s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1)
            i += 32
        }
        if i < n {  // masked tail: lanes past n load as zero
            let m0 = tailMask(n - i), m1 = tailMask(n - i - 16)
            s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, a + i), _mm512_maskz_loadu_ps(m0, b + i), s0)
            s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, a + i + 16), _mm512_maskz_loadu_ps(m1, b + i + 16), s1)
        }
        return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1))
    }

    /// F16 weights · F32 activations.
    @inline(never) public static func dotF16(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        let b = x.assumingMemoryBound(to: Float.self)
        var s0 = _mm512_setzero_ps()
        var i = 0
        while i + 16 <= n {
            s0 = _mm512_fmadd_ps(_mm512_cvtph_ps(ld256(w + 2 * i)), _mm512_loadu_ps(b + i), s0)
            i += 16
        }
        var sum = _mm512_reduce_add_ps(s0)
        while i < n { sum += half(w, 2 * i) * b[i]; i += 1 }
        return sum
    }
}

/// The low `k` bits set (k clamped to 0‥16).
@inline(__always) func tailMask(_ k: Int) -> __mmask16 {
    k <= 0 ? 0 : k >= 16 ? 0xFFFF : __mmask16((1 << k) - 1)
}
