// F32 lane primitives of this target (16 lanes, AVX-512F) for the shared element-wise and attention
// kernels in SIMDShared (Elementwise+SIMD.swift, Attention+SIMD.swift). AVX2Lanes.swift has the same names.
import _Builtin_intrinsics.intel

/// One vector of F32 lanes.
typealias VF = __m512
/// One vector of F64 lanes (half as many).
typealias VD = __m512d

@inline(__always) var vfLanes: Int { 16 }
@inline(__always) func vfLoad(_ p: UnsafePointer<Float>) -> VF { _mm512_loadu_ps(p) }
@inline(__always) func vfStore(_ p: UnsafeMutablePointer<Float>, _ v: VF) { _mm512_storeu_ps(p, v) }
@inline(__always) func vfSplat(_ x: Float) -> VF { _mm512_set1_ps(x) }
@inline(__always) func vfZero() -> VF { _mm512_setzero_ps() }
/// a · b + c, one rounding.
@inline(__always) func vfFMA(_ a: VF, _ b: VF, _ c: VF) -> VF { _mm512_fmadd_ps(a, b, c) }
/// a · b − c, one rounding.
@inline(__always) func vfFMS(_ a: VF, _ b: VF, _ c: VF) -> VF { _mm512_fmsub_ps(a, b, c) }
@inline(__always) func vfMax(_ a: VF, _ b: VF) -> VF { _mm512_max_ps(a, b) }
@inline(__always) func vfMin(_ a: VF, _ b: VF) -> VF { _mm512_min_ps(a, b) }
@inline(__always) func vfDiv(_ a: VF, _ b: VF) -> VF { _mm512_div_ps(a, b) }
@inline(__always) func vfSum(_ v: VF) -> Float {
    let h8 = _mm256_add_ps(v.lowHalf, v.highHalf)
    return hsum(h8)
}
@inline(__always) func vfMaxAcross(_ v: VF) -> Float {
    let h8 = _mm256_max_ps(v.lowHalf, v.highHalf)
    let h4 = _mm_max_ps(h8.lowHalf, h8.highHalf)
    let h2 = _mm_max_ps(h4, _mm_movehl_ps(h4, h4))
    return Swift.max(h2[0], h2[1])
}
/// The first k lanes from p, zero elsewhere (nothing read past p + k).
@inline(__always) func vfLoadFirst(_ p: UnsafePointer<Float>, _ k: Int) -> VF { _mm512_maskz_loadu_ps(tailMask(k), p) }
/// Stores the first k lanes (nothing written past p + k).
@inline(__always) func vfStoreFirst(_ p: UnsafeMutablePointer<Float>, _ v: VF, _ k: Int) { _mm512_mask_storeu_ps(p, tailMask(k), v) }
/// 2ⁿ for integral n in [−126, 127]: n + 127 shifted into the exponent field.
@inline(__always) func vfPow2(_ n: VF) -> VF {
    let e = unsafeBitCast(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), to: SIMD16<Int32>.self) &<< 23
    return unsafeBitCast(e, to: VF.self)
}
/// Adjacent lanes swapped: (x0, x1, x2, x3, …) → (x1, x0, x3, x2, …).
@inline(__always) func vfSwapPairs(_ v: VF) -> VF {
    let order = SIMD16<Int32>(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)
    return _mm512_permutexvar_ps(unsafeBitCast(order, to: __m512i.self), v)
}

@inline(__always) var vdWidenLanes: Int { 8 }
@inline(__always) func vdZero() -> VD { _mm512_setzero_pd() }
/// `vdWidenLanes` floats from p, widened to doubles.
@inline(__always) func vdLoadWiden(_ p: UnsafePointer<Float>) -> VD { _mm512_cvtps_pd(_mm256_loadu_ps(p)) }
@inline(__always) func vdFMA(_ a: VD, _ b: VD, _ c: VD) -> VD { _mm512_fmadd_pd(a, b, c) }
@inline(__always) func vdSum(_ v: VD) -> Double {
    let h4 = v.lowHalf + v.highHalf
    let h2 = h4.lowHalf + h4.highHalf
    return h2[0] + h2[1]
}
