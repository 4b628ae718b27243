// Shared by KernelsAVX2 and KernelsAVX512: rows × tokens tile kernels for prefill (matrix × matrix).
//
// A tile computes y[t·ys + r] = W[r] · x_t for `tileShape().rows` weight rows (stride `ws` bytes) and
// 1‥`tileShape().tokens` activation rows (stride `xs` bytes) over `n` values. Each weight block is unpacked
// once into registers and used for every token of the tile; each activation block is loaded once for every
// row. Accumulators are F32 per (row, token) (eight lanes, summed at the end); integer sums are exact.
//
// Weights enter the integer products as unsigned bytes u = q + o (o = 8 for Q4_0, 16 for Q5_0, 128 for
// Q8_0 on VNNI), so w·x = Σ_blocks d_w·d_x·(Σ u·x_q − o·Σ x_q): the o·Σ x_q term is computed once per token
// and block and starts the row's integer sum. Activation layouts: Kernels/ActivationQuant.swift.
import _Builtin_intrinsics.intel

/// The activation block layouts of 32-value weight types: Q8_0 (f16 d, 34 B) or Q8_1F (F32 d and s, 40 B).
@frozen @usableFromInline struct TileActivations32 {
    let bytes: Int, quants: Int, f32Scale: Bool
    static var q8_0: TileActivations32 { TileActivations32(bytes: 34, quants: 2, f32Scale: false) }
    static var q8_1f: TileActivations32 { TileActivations32(bytes: 40, quants: 8, f32Scale: true) }
}

/// −2^shift · Σ x over a 32-byte block, spread over eight i32 lanes (zero when shift is 0).
@inline(__always) func tileOffset(_ xv: __m256i, _ shift: Int32) -> __m256i {
    if shift == 0 { return _mm256_setzero_si256() }
    let sum = tileDot(_mm256_setzero_si256(), bytes(1), xv)
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_sll_epi32(sum, _mm_cvtsi32_si128(shift)))
}

/// The tile over 32-value blocks: `decode(block)` gives the 32 unsigned weight bytes, `shift` = log2 o
/// (0: none), `minimumAt` the byte offset of an f16 minimum m (Q4_1/Q5_1), `pair` the integer product
/// acc + Σ u·x.
///
/// The minimum term m·d_x·Σ x_q is added lane by lane (lane i: m·d_x·Σ of its four x_q) rather than as
/// m·s in one lane: d·Σ q·x_q and m·Σ x_q nearly cancel, and cancelling within each lane keeps the
/// running F32 sums small (one-lane m·s made SmolLM2's logit error 1.9× llama.cpp's instead of ≈ 1.06×).
@inline(__always)
func tile32(_ R: Int, _ T: Int, _ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
            _ y: UnsafeMutablePointer<Float>, _ ys: Int, weightBytes: Int, act: TileActivations32, shift: Int32,
            minimumAt: Int, decode: (UnsafeRawPointer) -> __m256i,
            pair: (__m256i, __m256i, __m256i) -> __m256i) {
    var acc = InlineArray<16, __m256>(repeating: _mm256_setzero_ps())
    var u = InlineArray<4, __m256i>(repeating: _mm256_setzero_si256())
    var dw = InlineArray<4, __m256>(repeating: _mm256_setzero_ps())
    var mw = InlineArray<4, __m256>(repeating: _mm256_setzero_ps())
    for b in 0..<(n / 32) {
        unrolled(R) { r in
            let wb = w + r * ws + b * weightBytes
            u[r] = decode(wb)
            dw[r] = half8(wb, 0)
            if minimumAt > 0 { mw[r] = _mm256_set1_ps(half(wb, minimumAt)) }
        }
        unrolled(T) { t in
            let xb = x + t * xs + b * act.bytes
            let xv = ld256(xb + act.quants)
            let dx = act.f32Scale ? _mm256_set1_ps(xb.loadUnaligned(as: Float.self)) : half8(xb, 0)
            let start = tileOffset(xv, shift)
            let sums = minimumAt > 0 ? _mm256_cvtepi32_ps(tileDot(_mm256_setzero_si256(), bytes(1), xv)) : _mm256_setzero_ps()
            unrolled(R) { r in
                let s = pair(start, u[r], xv)
                var a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw[r], dx), acc[r * T + t])
                if minimumAt > 0 { a = _mm256_fmadd_ps(sums, _mm256_mul_ps(mw[r], dx), a) }
                acc[r * T + t] = a
            }
        }
    }
    unrolled(T) { t in
        unrolled(R) { r in y[t * ys + r] = hsum(acc[r * T + t]) }
    }
}

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

    /// Q4_0 tile: u = nibble, o = 8.
    @inline(never) public static func tileQ4_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
                                               _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        forTileTokens(tokens) { R, T in
            tile32(R, T, n, w, ws, x, xs, y, ys, weightBytes: 18, act: .q8_0, shift: 3, minimumAt: 0,
                   decode: { nibbles32($0 + 2) }, pair: tileDot)
        }
    }

    /// Q5_0 tile: u = nibble | 5th bit << 4, o = 16.
    @inline(never) public static func tileQ5_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
                                               _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        forTileTokens(tokens) { R, T in
            tile32(R, T, n, w, ws, x, xs, y, ys, weightBytes: 22, act: .q8_0, shift: 4, minimumAt: 0,
                   decode: { wb in
                       let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
                       return _mm256_or_si256(nibbles32(wb + 6), _mm256_and_si256(hb, bytes(0x10)))
                   }, pair: tileDot)
        }
    }

    /// Q8_0 tile (signed weights; see `tileQ8Weights`).
    @inline(never) public static func tileQ8_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
                                               _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        forTileTokens(tokens) { R, T in
            tile32(R, T, n, w, ws, x, xs, y, ys, weightBytes: 34, act: .q8_0, shift: tileQ8Shift(), minimumAt: 0,
                   decode: { tileQ8Weights(ld256($0 + 2)) }, pair: tileQ8Dot)
        }
    }

    /// Q4_1 tile against Q8_1F activations: Σ d_w·d_x·Σ q·x_q + m_w·s_x.
    @inline(never) public static func tileQ4_1(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
                                               _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        forTileTokens(tokens) { R, T in
            tile32(R, T, n, w, ws, x, xs, y, ys, weightBytes: 20, act: .q8_1f, shift: 0, minimumAt: 2,
                   decode: { nibbles32($0 + 4) }, pair: tileDot)
        }
    }

    /// Q5_1 tile against Q8_1F activations.
    @inline(never) public static func tileQ5_1(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ x: UnsafeRawPointer, _ xs: Int,
                                               _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        forTileTokens(tokens) { R, T in
            tile32(R, T, n, w, ws, x, xs, y, ys, weightBytes: 24, act: .q8_1f, shift: 0, minimumAt: 2,
                   decode: { wb in
                       let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                       return _mm256_or_si256(nibbles32(wb + 8), _mm256_and_si256(hb, bytes(0x10)))
                   }, pair: tileDot)
        }
    }
}
