// AVX-512 VNNI primitives of the prefill panels (SIMDShared/PanelGEMM.swift).
import _Builtin_intrinsics.intel

/// Weight rows of a panel (PanelGEMM.swift): two 256-bit groups: 8 sums + 8 accumulators of the 32 registers, each activation word used twice.
@inline(__always) func panelRows() -> Int { 16 }

/// acc + Σ over groups of four bytes of u8 × i8 (one VPDPBUSD; exact in i32 for any u8).
@inline(__always) func panelDot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i {
    _mm256_mask_dpbusd_epi32(acc, 0xFF, u, s)
}

/// Q8_0 weights as unsigned bytes: q + 128, whose offset the panel removes as m = −128·d (m·s_x per block).
@inline(__always) func panelQ8Weights(_ q: __m256i) -> __m256i { _mm256_xor_si256(q, _mm256_set1_epi8(-128)) }
/// log2 of the offset `panelQ8Weights` adds (0: the pair product handles signs itself).
@inline(__always) func panelQ8Shift() -> Int32 { 7 }
/// acc + Σ (Q8_0 weights from `panelQ8Weights`) · x.
@inline(__always) func panelQ8Dot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i { panelDot(acc, u, s) }
