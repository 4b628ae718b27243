// Shared by KernelsAVX2 and KernelsAVX512: the Q6_K rows × tokens tile (Q8_K activations; layouts and math
// as KQuantDots.swift; the tile contract as TileDots.swift), and the Q4_K/Q5_K scale unpacking the panels
// use. Integer sums run per super-block of 256 values in i32, scaled by the 8-bit sub-block scales inside
// the product (`tileDotScaled`), then enter the F32 accumulators once per super-block.
import _Builtin_intrinsics.intel

/// The eight 6-bit scales and eight 6-bit minimums of a Q4_K/Q5_K super-block (12 bytes at `s`), one per
/// byte: scale j<4 is s[j] & 63, j≥4 is (s[j+4] & 15) | (s[j−4] >> 6) << 4; minimum j<4 is s[j+4] & 63,
/// j≥4 is (s[j+4] >> 4) | (s[j] >> 6) << 4. Done on three 32-bit words at once.
@inline(__always) func tileScalesK4(_ s: UnsafeRawPointer) -> (scales: UInt64, mins: UInt64) {
    let u0 = s.loadUnaligned(as: UInt32.self), u1 = s.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    let u2 = s.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
    let low6: UInt32 = 0x3F3F_3F3F, low4: UInt32 = 0x0F0F_0F0F, low2: UInt32 = 0x0303_0303
    let scLow = u0 & low6, scHigh = (u2 & low4) | (((u0 >> 6) & low2) << 4)
    let mLow = u1 & low6, mHigh = ((u2 >> 4) & low4) | (((u1 >> 6) & low2) << 4)
    return (UInt64(scLow) | UInt64(scHigh) << 32, UInt64(mLow) | UInt64(mHigh) << 32)
}

/// Q6_K tile: value v = d·sc_{v/16}·(q6 − 32); the −32 starts each (row, token) sum as −32·Σ_g sc_g·bsum_g.
@inline(__always)
func tileQ6K(_ R: Int, _ T: Int, _ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
             _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
    var acc = InlineArray<16, __m256>(repeating: _mm256_setzero_ps())
    var sumi = InlineArray<16, __m256i>(repeating: _mm256_setzero_si256())
    let m4 = bytes(0x0F), m2 = bytes(3)
    for i in 0..<(n / 256) {
        unrolled(R) { r in
            let sc16 = _mm256_cvtepi8_epi16(ld128(w + r * ws + i * 210 + 192))
            unrolled(T) { t in
                let offset = _mm256_madd_epi16(sc16, ld256(x + t * xs + i * 292 + 260))
                sumi[r * T + t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5))
            }
        }
        for h in 0..<2 {
            for k in 0..<4 {
                unrolled(R) { r in
                    let wb = w + r * ws + i * 210
                    let ql = ld256(wb + h * 64 + 32 * (k & 1)), qh = ld256(wb + 128 + h * 32)
                    let low = k < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4)
                    let high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 * k)), m2), 4)
                    let q = _mm256_or_si256(low, high)
                    let g = h * 8 + 2 * k
                    let sc = _mm256_set_m128i(_mm_set1_epi16(Int16(wb.load(fromByteOffset: 192 + g + 1, as: Int8.self))),
                                              _mm_set1_epi16(Int16(wb.load(fromByteOffset: 192 + g, as: Int8.self))))
                    unrolled(T) { t in
                        let xb = x + t * xs + i * 292
                        sumi[r * T + t] = tileDotScaled(sumi[r * T + t], q, ld256(xb + 4 + h * 128 + k * 32), sc)
                    }
                }
            }
        }
        unrolled(T) { t in
            let xd = (x + t * xs + i * 292).loadUnaligned(as: Float.self)
            unrolled(R) { r in
                let d = half(w + r * ws + i * 210, 208) * xd
                acc[r * T + t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[r * T + t]), _mm256_set1_ps(d), acc[r * T + t])
            }
        }
    }
    unrolled(T) { t in
        unrolled(R) { r in y[t * ys + r] = hsum(acc[r * T + t]) }
    }
}

extension Here {
    /// Q6_K tile.
    @inline(never) public static func tileQ6_K(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
                                               _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        forTileTokens(tokens) { R, T in tileQ6K(R, T, n, w, ws, x, xs, y, ys) }
    }
}
