// AVX-512 VNNI primitives of the rows × tokens tile kernels (SIMDShared/TileDots.swift).
import _Builtin_intrinsics.intel

/// Weight rows of a panel (PanelGEMM.swift): two 256-bit groups: 8 sums + 8 accumulators of the 32 registers, each activation word used twice.
@inline(__always) func panelRows() -> Int { 16 }

/// Rows × tokens of one tile: 32 vector registers hold 16 accumulators with room for operands.
@inline(__always) func tileShape() -> (rows: Int, tokens: Int) { (4, 4) }

/// acc + Σ over groups of four bytes of u8 × i8 (one VPDPBUSD; exact in i32 for any u8).
@inline(__always) func tileDot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i {
    _mm256_mask_dpbusd_epi32(acc, 0xFF, u, s)
}

/// acc + Σ over pairs of (u8 × i8 pair sums in i16) × i16 scale (VPMADDUBSW + VPDPWSSD). Pair sums must fit
/// in i16: 2·u·127 < 32768, so u ≤ 128.
@inline(__always) func tileDotScaled(_ acc: __m256i, _ u: __m256i, _ s: __m256i, _ scale: __m256i) -> __m256i {
    _mm256_mask_dpwssd_epi32(acc, 0xFF, _mm256_maddubs_epi16(u, s), scale)
}

/// Q8_0 weights as unsigned bytes: q + 128, whose offset 128·Σx (2⁷) the tile subtracts per token.
@inline(__always) func tileQ8Weights(_ q: __m256i) -> __m256i { _mm256_xor_si256(q, _mm256_set1_epi8(-128)) }
/// log2 of the offset `tileQ8Weights` adds (0: the pair product handles signs itself).
@inline(__always) func tileQ8Shift() -> Int32 { 7 }
/// acc + Σ (Q8_0 weights from `tileQ8Weights`) · x.
@inline(__always) func tileQ8Dot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i { tileDot(acc, u, s) }
