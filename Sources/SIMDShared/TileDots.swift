// Shared by KernelsAVX2 and KernelsAVX512: the contract and helpers of the rows × tokens tile kernels
// (TileKQuants.swift; the 32-value types take panels instead, PanelGEMM.swift).
//
// A tile computes y[t·ys + r] = W[r] · x_t for `tileShape().rows` weight rows (stride `ws` bytes) and
// 1‥`tileShape().tokens` activation rows (stride `xs` bytes) over `n` values. Each weight block is unpacked
// once into registers and used for every token of the tile; each activation block is loaded once for every
// row. Accumulators are F32 per (row, token) (eight lanes, summed at the end); integer sums are exact.
// Activation layouts: Kernels/ActivationQuant.swift.
import _Builtin_intrinsics.intel

/// `body(0)`, …, `body(count − 1)` written out (count ≤ 4), so loops over the rows and tokens of a tile
/// unroll whatever the optimizer's size limits and their accumulators stay in registers.
@inline(__always) func unrolled(_ count: Int, _ body: (Int) -> Void) {
    if count > 0 { body(0) }
    if count > 1 { body(1) }
    if count > 2 { body(2) }
    if count > 3 { body(3) }
}

/// Calls `body(rows, tokens)` with compile-time constants for each token count of a tile, so every
/// instance unrolls fully and keeps its accumulators in registers.
@inline(__always) func forTileTokens(_ tokens: Int, _ body: (Int, Int) -> Void) {
    let R = tileShape().rows
    switch tokens {
    case 4: body(R, 4)
    case 3: body(R, 3)
    case 2: body(R, 2)
    default: body(R, 1)
    }
}

extension Here {
    /// Rows × tokens of one tile on this path (`tokens` may be smaller at the edge; rows may not).
    public static var tileRows: Int { tileShape().rows }
    public static var tileTokens: Int { tileShape().tokens }
}
