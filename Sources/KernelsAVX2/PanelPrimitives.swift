// AVX2 primitives of the prefill panels (SIMDShared/PanelGEMM.swift).
import _Builtin_intrinsics.intel

/// Weight rows of a panel (PanelGEMM.swift): one 256-bit group: with four tokens, 4 sums + 4 accumulators fit the 16 registers.
@inline(__always) func panelRows() -> Int { 8 }

/// acc + Σ over groups of four bytes of u8 × i8; pair sums go through i16, so |u·s + u′·s′| < 32768:
/// u ≤ 128 with |s| ≤ 127, or u ≤ 255 with |s| ≤ 32 (signed Q6_K panels).
@inline(__always) func panelDot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i {
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)))
}

/// Q8_0 weights stay signed: q + 128 would overflow the i16 pair sums of VPMADDUBSW.
@inline(__always) func panelQ8Weights(_ q: __m256i) -> __m256i { q }
/// No offset to subtract.
@inline(__always) func panelQ8Shift() -> Int32 { 0 }
/// acc + Σ q·x through |q| · (x with q's sign).
@inline(__always) func panelQ8Dot(_ acc: __m256i, _ q: __m256i, _ s: __m256i) -> __m256i {
    panelDot(acc, _mm256_sign_epi8(q, q), _mm256_sign_epi8(s, q))
}
