// AVX2 primitives of the rows × tokens tile kernels (SIMDShared/TileDots.swift).
import _Builtin_intrinsics.intel

/// Weight rows of a panel (PanelGEMM.swift): one 256-bit group: with four tokens, 4 sums + 4 accumulators fit the 16 registers.
@inline(__always) func panelRows() -> Int { 8 }

/// Rows × tokens of one tile: 16 vector registers hold 8 accumulators with room for operands.
@inline(__always) func tileShape() -> (rows: Int, tokens: Int) { (2, 4) }

/// acc + Σ over groups of four bytes of u8 × i8; pair sums go through i16, so u ≤ 128 (2·128·127 < 32768).
@inline(__always) func tileDot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i {
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)))
}

/// acc + Σ over pairs of (u8 × i8 pair sums in i16) × i16 scale; u ≤ 128.
@inline(__always) func tileDotScaled(_ acc: __m256i, _ u: __m256i, _ s: __m256i, _ scale: __m256i) -> __m256i {
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scale))
}

/// Q8_0 weights stay signed: q + 128 would overflow the i16 pair sums of VPMADDUBSW.
@inline(__always) func tileQ8Weights(_ q: __m256i) -> __m256i { q }
/// No offset to subtract.
@inline(__always) func tileQ8Shift() -> Int32 { 0 }
/// acc + Σ q·x through |q| · (x with q's sign).
@inline(__always) func tileQ8Dot(_ acc: __m256i, _ q: __m256i, _ s: __m256i) -> __m256i {
    tileDot(acc, _mm256_sign_epi8(q, q), _mm256_sign_epi8(s, q))
}
