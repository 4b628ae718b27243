// F32 lane primitives of this target (8 lanes, AVX2 + FMA) for the shared element-wise and attention
// kernels in SIMDShared (Elementwise+SIMD.swift, Attention+SIMD.swift). AVX512Lanes.swift has the same names.
import _Builtin_intrinsics.intel

/// One vector of F32 lanes.
typealias VF = __m256
/// One vector of F64 lanes (half as many).
typealias VD = __m256d

@inline(__always) var vfLanes: Int { 8 }
@inline(__always) func vfLoad(_ p: UnsafePointer<Float>) -> VF { _mm256_loadu_ps(p) }
@inline(__always) func vfStore(_ p: UnsafeMutablePointer<Float>, _ v: VF) { _mm256_storeu_ps(p, v) }
@inline(__always) func vfSplat(_ x: Float) -> VF { _mm256_set1_ps(x) }
@inline(__always) func vfZero() -> VF { _mm256_setzero_ps() }
/// a · b + c, one rounding.
@inline(__always) func vfFMA(_ a: VF, _ b: VF, _ c: VF) -> VF { _mm256_fmadd_ps(a, b, c) }
/// a · b − c, one rounding.
@inline(__always) func vfFMS(_ a: VF, _ b: VF, _ c: VF) -> VF { _mm256_fmsub_ps(a, b, c) }
@inline(__always) func vfMax(_ a: VF, _ b: VF) -> VF { _mm256_max_ps(a, b) }
@inline(__always) func vfMin(_ a: VF, _ b: VF) -> VF { _mm256_min_ps(a, b) }
@inline(__always) func vfDiv(_ a: VF, _ b: VF) -> VF { _mm256_div_ps(a, b) }
@inline(__always) func vfSum(_ v: VF) -> Float { hsum(v) }
@inline(__always) func vfMaxAcross(_ v: VF) -> Float {
    let h4 = _mm_max_ps(v.lowHalf, v.highHalf)
    let h2 = _mm_max_ps(h4, _mm_movehl_ps(h4, h4))
    return Swift.max(h2[0], h2[1])
}
/// Lanes i < k set (k in 0‥8), as a load/store mask.
@inline(__always) func vfMask(_ k: Int) -> __m256i {
    _mm256_cmpgt_epi32(_mm256_set1_epi32(Int32(k)), unsafeBitCast(SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7), to: __m256i.self))
}
/// The first k lanes from p, zero elsewhere (nothing read past p + k).
@inline(__always) func vfLoadFirst(_ p: UnsafePointer<Float>, _ k: Int) -> VF { _mm256_maskload_ps(p, vfMask(k)) }
/// Stores the first k lanes (nothing written past p + k).
@inline(__always) func vfStoreFirst(_ p: UnsafeMutablePointer<Float>, _ v: VF, _ k: Int) { _mm256_maskstore_ps(p, vfMask(k), v) }
/// 2ⁿ for integral n in [−126, 127]: n + 127 shifted into the exponent field.
@inline(__always) func vfPow2(_ n: VF) -> VF {
    let e = unsafeBitCast(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), to: SIMD8<Int32>.self) &<< 23
    return unsafeBitCast(e, to: VF.self)
}
/// Adjacent lanes swapped: (x0, x1, x2, x3, …) → (x1, x0, x3, x2, …).
@inline(__always) func vfSwapPairs(_ v: VF) -> VF { _mm256_permutevar_ps(v, unsafeBitCast(SIMD8<Int32>(1, 0, 3, 2, 1, 0, 3, 2), to: __m256i.self)) }

@inline(__always) var vdWidenLanes: Int { 4 }
@inline(__always) func vdZero() -> VD { _mm256_setzero_pd() }
/// `vdWidenLanes` floats from p, widened to doubles.
@inline(__always) func vdLoadWiden(_ p: UnsafePointer<Float>) -> VD { _mm256_cvtps_pd(_mm_loadu_ps(p)) }
@inline(__always) func vdFMA(_ a: VD, _ b: VD, _ c: VD) -> VD { _mm256_fmadd_pd(a, b, c) }
@inline(__always) func vdSum(_ v: VD) -> Double {
    let h = v.lowHalf + v.highHalf
    return h[0] + h[1]
}
