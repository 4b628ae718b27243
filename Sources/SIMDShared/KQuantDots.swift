// Shared by KernelsAVX2 and KernelsAVX512: K-quant weight rows · Q8_K activation rows.
// Q8_K block: d: f32 at 0, qs: i8[256] at 4, bsums: i16[16] at 260 (sums of 16 consecutive qs).
import _Builtin_intrinsics.intel

/// The 6-bit scale and minimum of sub-block `j` packed in the 12 scale bytes of Q4_K/Q5_K.
@inline(__always) func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (Int32, Int32) {
    let b = { (i: Int) in Int32(s.load(fromByteOffset: i, as: UInt8.self)) }
    if j < 4 { return (b(j) & 63, b(j + 4) & 63) }
    return ((b(j + 4) & 0xF) | ((b(j - 4) >> 6) << 4), (b(j + 4) >> 4) | ((b(j) >> 6) << 4))
}

/// A scalar in lane 0, zero elsewhere.
@inline(__always) func lane0(_ v: Float) -> __m256 { _mm256_set_ps(0, 0, 0, 0, 0, 0, 0, v) }

// Super-block steps: acc + the contribution of super-block i of row `w`; the minimum/offset term goes
// into lane 0 so one accumulator (and one horizontal sum) carries the whole row.

/// Q4_K: d·Σ_j sc_j·Σ q·x_q − dmin·Σ_j m_j·(bsum_2j + bsum_2j+1) over eight 32-value sub-blocks.
@inline(__always) func q4_KStep(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ i: Int, _ acc: __m256) -> __m256 {
    let wb = w + i * 144, xb = x + i * 292
    let xd = xb.loadUnaligned(as: Float.self)
    var sumi = _mm256_setzero_si256()
    var msum: Int32 = 0
    for c in 0..<4 {
        let (s1, m1) = scaleMinK4(2 * c, wb + 4), (s2, m2) = scaleMinK4(2 * c + 1, wb + 4)
        msum += m1 * (bsum(xb, 4 * c) + bsum(xb, 4 * c + 1)) + m2 * (bsum(xb, 4 * c + 2) + bsum(xb, 4 * c + 3))
        let q = ld256(wb + 16 + c * 32)
        let lo = _mm256_and_si256(q, bytes(0x0F)), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), bytes(0x0F))
        let plo = mulSumU8S8(lo, ld256(xb + 4 + c * 64)), phi = mulSumU8S8(hi, ld256(xb + 36 + c * 64))
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_mullo_epi32(plo, _mm256_set1_epi32(s1)),
                                                       _mm256_mullo_epi32(phi, _mm256_set1_epi32(s2))))
    }
    let scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(half(wb, 0) * xd), acc)
    return _mm256_sub_ps(scaled, lane0(half(wb, 2) * xd * Float(msum)))
}

/// Q5_K: Q4_K with a 5th bit per value from qh (bit 2c for the low nibbles of chunk c, 2c+1 high).
@inline(__always) func q5_KStep(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ i: Int, _ acc: __m256) -> __m256 {
    let wb = w + i * 176, xb = x + i * 292
    let xd = xb.loadUnaligned(as: Float.self)
    let qh = ld256(wb + 16)
    var sumi = _mm256_setzero_si256()
    var msum: Int32 = 0
    for c in 0..<4 {
        let (s1, m1) = scaleMinK4(2 * c, wb + 4), (s2, m2) = scaleMinK4(2 * c + 1, wb + 4)
        msum += m1 * (bsum(xb, 4 * c) + bsum(xb, 4 * c + 1)) + m2 * (bsum(xb, 4 * c + 2) + bsum(xb, 4 * c + 3))
        let q = ld256(wb + 48 + c * 32)
        let h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 * c)), bytes(1)), 4)
        let h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 * c + 1)), bytes(1)), 4)
        let lo = _mm256_or_si256(_mm256_and_si256(q, bytes(0x0F)), h1)
        let hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), bytes(0x0F)), h2)
        let plo = mulSumU8S8(lo, ld256(xb + 4 + c * 64)), phi = mulSumU8S8(hi, ld256(xb + 36 + c * 64))
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_mullo_epi32(plo, _mm256_set1_epi32(s1)),
                                                       _mm256_mullo_epi32(phi, _mm256_set1_epi32(s2))))
    }
    let scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(half(wb, 0) * xd), acc)
    return _mm256_sub_ps(scaled, lane0(half(wb, 2) * xd * Float(msum)))
}

/// Q6_K: value v is d·sc[v/16]·(q6 − 32); the −32 is folded in as 32·Σ_g sc_g·bsum_g.
@inline(__always) func q6_KStep(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ i: Int, _ acc: __m256) -> __m256 {
    let m4 = bytes(0x0F), m2 = bytes(3)
    let wb = w + i * 210, xb = x + i * 292
    let d = half(wb, 208) * xb.loadUnaligned(as: Float.self)
    let sc = { (g: Int) in Int32(wb.load(fromByteOffset: 192 + g, as: Int8.self)) }
    var sumi = _mm256_setzero_si256()
    var off: Int32 = 0
    for g in 0..<16 { off += sc(g) * bsum(xb, g) }
    for h in 0..<2 {
        let ql0 = ld256(wb + h * 64), ql1 = ld256(wb + h * 64 + 32), qh = ld256(wb + 128 + h * 32)
        let q0 = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4))
        let q1 = _mm256_or_si256(_mm256_and_si256(ql1, m4),
                                 _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4))
        let q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                                 _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4))
        let q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                 _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4))
        let xh = xb + 4 + h * 128, g = h * 8
        let p0 = _mm256_mullo_epi32(mulSumU8S8(q0, ld256(xh)), pairScale(sc(g), sc(g + 1)))
        let p1 = _mm256_mullo_epi32(mulSumU8S8(q1, ld256(xh + 32)), pairScale(sc(g + 2), sc(g + 3)))
        let p2 = _mm256_mullo_epi32(mulSumU8S8(q2, ld256(xh + 64)), pairScale(sc(g + 4), sc(g + 5)))
        let p3 = _mm256_mullo_epi32(mulSumU8S8(q3, ld256(xh + 96)), pairScale(sc(g + 6), sc(g + 7)))
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_add_epi32(p0, p1), _mm256_add_epi32(p2, p3)))
    }
    let scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc)
    return _mm256_sub_ps(scaled, lane0(d * Float(32 * off)))
}

/// Q2_K: value v = d·(sc_g & 15)·q − dmin·(sc_g >> 4), g = v/16, q = 2 bits of qs[h·32 + v%32] at
/// shift 2·((v%128)/32).
@inline(__always) func q2_KStep(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ i: Int, _ acc: __m256) -> __m256 {
    let wb = w + i * 84, xb = x + i * 292
    let xd = xb.loadUnaligned(as: Float.self)
    let sc = { (g: Int) in Int32(wb.load(fromByteOffset: g, as: UInt8.self)) }
    var sumi = _mm256_setzero_si256()
    var msum: Int32 = 0
    for g in 0..<16 { msum += (sc(g) >> 4) * bsum(xb, g) }
    for h in 0..<2 {
        let qv = ld256(wb + 16 + h * 32)
        for s in 0..<4 {
            let q = _mm256_and_si256(_mm256_srli_epi16(qv, Int32(2 * s)), bytes(3))
            let g = h * 8 + 2 * s
            let p = mulSumU8S8(q, ld256(xb + 4 + h * 128 + s * 32))
            sumi = _mm256_add_epi32(sumi, _mm256_mullo_epi32(p, pairScale(sc(g) & 15, sc(g + 1) & 15)))
        }
    }
    let scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(half(wb, 80) * xd), acc)
    return _mm256_sub_ps(scaled, lane0(half(wb, 82) * xd * Float(msum)))
}

/// Q3_K: value v = d·sc_g·(u − 4) with u = q2 + 4·hbit ∈ 0‥7; the −4 is folded in via bsums.
@inline(__always) func q3_KStep(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ i: Int, _ acc: __m256) -> __m256 {
    let wb = w + i * 110, xb = x + i * 292
    let d = half(wb, 108) * xb.loadUnaligned(as: Float.self)
    let sb = { (k: Int) in Int32(wb.load(fromByteOffset: 96 + k, as: UInt8.self)) }
    // Scale g: low 4 bits from byte g%8 (low nibble for g < 8), top 2 bits from byte 8 + g%4.
    let sc = { (g: Int) -> Int32 in
        let low = g < 8 ? sb(g) & 0xF : sb(g - 8) >> 4
        return (low | (((sb(8 + g % 4) >> Int32(2 * (g / 4))) & 3) << 4)) - 32
    }
    let hm = ld256(wb)
    var sumi = _mm256_setzero_si256()
    var off: Int32 = 0
    for h in 0..<2 {
        let qv = ld256(wb + 32 + h * 32)
        for s in 0..<4 {
            let lo = _mm256_and_si256(_mm256_srli_epi16(qv, Int32(2 * s)), bytes(3))
            let hb = _mm256_and_si256(_mm256_srli_epi16(hm, Int32(4 * h + s)), bytes(1))
            let u = _mm256_or_si256(lo, _mm256_slli_epi16(hb, 2))
            let g = h * 8 + 2 * s
            let s0 = sc(g), s1 = sc(g + 1)
            off += s0 * bsum(xb, g) + s1 * bsum(xb, g + 1)
            let p = mulSumU8S8(u, ld256(xb + 4 + h * 128 + s * 32))
            sumi = _mm256_add_epi32(sumi, _mm256_mullo_epi32(p, pairScale(s0, s1)))
        }
    }
    let scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc)
    return _mm256_sub_ps(scaled, lane0(d * Float(4 * off)))
}

extension Here {
    /// Q4_K · Q8_K.
    @inline(never) public static func dotQ4_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 256, w) { q4_KStep($0, x, $1, $2) }
    }
    /// Four Q4_K rows (`stride` bytes apart) · one Q8_K row into y[0‥3].
    @inline(never) public static func dot4Q4_K(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 256, w, stride, y) { q4_KStep($0, x, $1, $2) }
    }

    /// Q5_K · Q8_K.
    @inline(never) public static func dotQ5_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 256, w) { q5_KStep($0, x, $1, $2) }
    }
    /// Four Q5_K rows (`stride` bytes apart) · one Q8_K row into y[0‥3].
    @inline(never) public static func dot4Q5_K(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 256, w, stride, y) { q5_KStep($0, x, $1, $2) }
    }

    /// Q6_K · Q8_K.
    @inline(never) public static func dotQ6_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 256, w) { q6_KStep($0, x, $1, $2) }
    }
    /// Four Q6_K rows (`stride` bytes apart) · one Q8_K row into y[0‥3].
    @inline(never) public static func dot4Q6_K(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 256, w, stride, y) { q6_KStep($0, x, $1, $2) }
    }

    /// Q2_K · Q8_K.
    @inline(never) public static func dotQ2_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 256, w) { q2_KStep($0, x, $1, $2) }
    }
    /// Four Q2_K rows (`stride` bytes apart) · one Q8_K row into y[0‥3].
    @inline(never) public static func dot4Q2_K(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 256, w, stride, y) { q2_KStep($0, x, $1, $2) }
    }

    /// Q3_K · Q8_K.
    @inline(never) public static func dotQ3_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 256, w) { q3_KStep($0, x, $1, $2) }
    }
    /// Four Q3_K rows (`stride` bytes apart) · one Q8_K row into y[0‥3].
    @inline(never) public static func dot4Q3_K(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 256, w, stride, y) { q3_KStep($0, x, $1, $2) }
    }
}
