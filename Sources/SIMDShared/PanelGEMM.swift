// Shared by KernelsAVX2 and KernelsAVX512: the panel kernels of prefill (matrix × matrix) for weight types
// whose scales cover 32 values (Q4_0, Q5_0, Q8_0, Q4_1, Q5_1, and Q4_K/Q5_K by sub-block).
//
// A panel is `panelRows()` weight rows (8 per 256-bit group) decoded once into unsigned bytes, laid out so
// that one vector holds four consecutive values of each of eight rows: per 32-value block b, group k and
// 4-byte step g, 32 bytes = rows 0‥7 × values 4g‥4g+3. Against an activation word (four i8 values broadcast
// to every lane) one VPDPBUSD then adds four products to each of eight rows' sums, so after the eight
// steps of a block lane r holds Σ u·x_q of row r: the row's block sum, with no horizontal reduction, and
// the float work (scale, minimum, accumulate) is one vector operation for eight rows. The tile kernels
// (TileDots.swift) unpack every weight block again for each four tokens and reduce eight lanes per output;
// a panel is unpacked once for every token of the call.
//
// Every block value is w = d·u + m with u an unsigned byte: m = −o·d for the offset types (o = 8, 16, 128
// or 0, see `tileQ8Weights`), m the stored minimum for Q4_1/Q5_1, −dmin·m_j for K-quant sub-block j.
// Activations are Q8_1F (F32 d_x, s_x = d_x·Σ x_q, 32 × i8), so per block and token
//   Σ w·x = d·d_x·Σ u·x_q + m·s_x,
// the two parts combined before they enter the row's running sum (see TileDots.swift on cancellation).
import _Builtin_intrinsics.intel

/// One decoded weight block of one row: 32 unsigned bytes in value order, scale d and minimum m.
@usableFromInline typealias PanelBlock = (u: __m256i, d: Float, m: Float)

/// Bytes of panel scratch for `n` values per row: the bytes, then per block the rows' scales and minimums.
@inline(__always) func panelScratchBytes(_ n: Int) -> Int { panelRows() * n + 2 * panelRows() * (n / 32) * 4 }

/// Decodes rows 0..<rows (≤ `panelRows()`; the rest are zero) of the matrix at `w` (row stride `ws` bytes)
/// into `scratch`; `block(row, b)` decodes block b of a row.
@inline(__always)
func panelDecode(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, rows: Int, _ scratch: UnsafeMutableRawPointer,
                 _ block: (UnsafeRawPointer, Int) -> PanelBlock) {
    let P = panelRows(), blocks = n / 32
    let words = scratch.assumingMemoryBound(to: UInt32.self)
    let scales = (scratch + P * n).assumingMemoryBound(to: Float.self), mins = scales + P * blocks
    for b in 0..<blocks {
        for row in 0..<P {
            var v: PanelBlock = (_mm256_setzero_si256(), 0, 0)
            if row < rows { v = block(w + row * ws, b) }
            let k = row / 8, r = row % 8
            // Word g of the block (values 4g‥4g+3) goes to step g of the row's group, lane r.
            let out = words + (b * P + k * 8) * 8 + r
            withUnsafeBytes(of: v.u) { u in
                for g in 0..<8 { out[g * 8] = u.load(fromByteOffset: 4 * g, as: UInt32.self) }
            }
            scales[b * P + row] = v.d
            mins[b * P + row] = v.m
        }
    }
}

/// y[t·ys + row] = W[row] · x_t for the panel's rows (`rows` of them written) and T ≤ 4 tokens.
@inline(__always)
func panelTokens(_ T: Int, _ n: Int, _ scratch: UnsafeRawPointer, rows: Int, _ x: UnsafeRawPointer, _ xs: Int,
                 _ y: UnsafeMutablePointer<Float>, _ ys: Int, pair: (__m256i, __m256i, __m256i) -> __m256i) {
    let G = panelRows() / 8, P = panelRows(), blocks = n / 32
    let scales = (scratch + P * n).assumingMemoryBound(to: Float.self), mins = scales + P * blocks
    var acc = InlineArray<8, __m256>(repeating: _mm256_setzero_ps())
    var sum = InlineArray<8, __m256i>(repeating: _mm256_setzero_si256())
    var wv = InlineArray<2, __m256i>(repeating: _mm256_setzero_si256())
    for b in 0..<blocks {
        let pb = scratch + b * P * 32
        for k in 0..<(G * T) { sum[k] = _mm256_setzero_si256() }
        for g in 0..<8 {
            unrolled(G) { k in wv[k] = ld256(pb + (k * 8 + g) * 32) }
            unrolled(T) { t in
                let xv = _mm256_set1_epi32((x + t * xs + b * 40 + 8 + 4 * g).loadUnaligned(as: Int32.self))
                unrolled(G) { k in sum[k * T + t] = pair(sum[k * T + t], wv[k], xv) }
            }
        }
        unrolled(G) { k in
            let d = _mm256_loadu_ps(scales + b * P + k * 8), m = _mm256_loadu_ps(mins + b * P + k * 8)
            unrolled(T) { t in
                let xb = x + t * xs + b * 40
                let v = _mm256_fmadd_ps(m, f32x8(xb, 4), _mm256_mul_ps(_mm256_cvtepi32_ps(sum[k * T + t]),
                                                                      _mm256_mul_ps(d, f32x8(xb, 0))))
                acc[k * T + t] = _mm256_add_ps(acc[k * T + t], v)
            }
        }
    }
    unrolled(T) { t in
        unrolled(G) { k in
            if rows >= (k + 1) * 8 {
                _mm256_storeu_ps(y + t * ys + k * 8, acc[k * T + t])
            } else if rows > k * 8 {
                withUnsafeBytes(of: acc[k * T + t]) { lanes in
                    for r in 0..<(rows - k * 8) { y[t * ys + k * 8 + r] = lanes.load(fromByteOffset: 4 * r, as: Float.self) }
                }
            }
        }
    }
}

/// The panel product for `rows` ≤ `panelRows()` rows and every one of `tokens` tokens.
@inline(__always)
func panel(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, rows: Int, _ x: UnsafeRawPointer, _ xs: Int, tokens: Int,
           _ y: UnsafeMutablePointer<Float>, _ ys: Int, _ scratch: UnsafeMutableRawPointer,
           pair: (__m256i, __m256i, __m256i) -> __m256i, block: (UnsafeRawPointer, Int) -> PanelBlock) {
    panelDecode(n, w, ws, rows: rows, scratch, block)
    var t = 0
    while t + 4 <= tokens {
        panelTokens(4, n, scratch, rows: rows, x + t * xs, xs, y + t * ys, ys, pair: pair)
        t += 4
    }
    switch tokens - t {
    case 3: panelTokens(3, n, scratch, rows: rows, x + t * xs, xs, y + t * ys, ys, pair: pair)
    case 2: panelTokens(2, n, scratch, rows: rows, x + t * xs, xs, y + t * ys, ys, pair: pair)
    case 1: panelTokens(1, n, scratch, rows: rows, x + t * xs, xs, y + t * ys, ys, pair: pair)
    default: break
    }
}

/// Block b of a Q4_K / Q5_K row: sub-block j = b mod 8 of super-block b / 8 (`qsAt`: offset of the 128
/// nibble bytes; `fifthBit`: Q5_K's 32 qh bytes at 16).
@inline(__always) func panelK4Block(_ row: UnsafeRawPointer, _ b: Int, weightBytes: Int, qsAt: Int, fifthBit: Bool) -> PanelBlock {
    let sb = row + (b / 8) * weightBytes, j = b % 8, c = j / 2
    let (sc, mn) = tileScalesK4(sb + 4)
    let q = ld256(sb + qsAt + 32 * c)
    var u = _mm256_and_si256(j % 2 == 0 ? q : _mm256_srli_epi16(q, 4), bytes(0x0F))
    if fifthBit {
        let qh = _mm256_and_si256(_mm256_srl_epi16(ld256(sb + 16), _mm_cvtsi32_si128(Int32(j))), bytes(1))
        u = _mm256_or_si256(u, _mm256_slli_epi16(qh, 4))
    }
    let scale = Float((sc >> UInt64(8 * j)) & 0xFF), minimum = Float((mn >> UInt64(8 * j)) & 0xFF)
    return (u, half(sb, 0) * scale, -half(sb, 2) * minimum)
}

extension Here {
    /// Weight rows per panel on this path.
    public static var panelRowCount: Int { panelRows() }

    /// Scratch bytes a panel call needs for rows of `n` values.
    public static func panelScratch(_ n: Int) -> Int { panelScratchBytes(n) }

    /// Q4_0 panel: u = nibble, m = −8·d.
    @inline(never) public static func panelQ4_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: tileDot) { row, b in
            let wb = row + b * 18
            let d = half(wb, 0)
            return (nibbles32(wb + 2), d, -8 * d)
        }
    }

    /// Q5_0 panel: u = nibble | 5th bit << 4, m = −16·d.
    @inline(never) public static func panelQ5_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: tileDot) { row, b in
            let wb = row + b * 22
            let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let d = half(wb, 0)
            return (_mm256_or_si256(nibbles32(wb + 6), _mm256_and_si256(hb, bytes(0x10))), d, -16 * d)
        }
    }

    /// Q8_0 panel: the path's Q8 weight form (`tileQ8Weights`), m = −2^shift·d.
    @inline(never) public static func panelQ8_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        let offset: Float = tileQ8Shift() == 0 ? 0 : Float(1 << tileQ8Shift())
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: tileQ8Dot) { row, b in
            let wb = row + b * 34
            let d = half(wb, 0)
            return (tileQ8Weights(ld256(wb + 2)), d, -offset * d)
        }
    }

    /// Q4_1 panel: u = nibble, m = the stored minimum.
    @inline(never) public static func panelQ4_1(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: tileDot) { row, b in
            let wb = row + b * 20
            return (nibbles32(wb + 4), half(wb, 0), half(wb, 2))
        }
    }

    /// Q5_1 panel: u = nibble | 5th bit << 4, m = the stored minimum.
    @inline(never) public static func panelQ5_1(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: tileDot) { row, b in
            let wb = row + b * 24
            let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            return (_mm256_or_si256(nibbles32(wb + 8), _mm256_and_si256(hb, bytes(0x10))), half(wb, 0), half(wb, 2))
        }
    }

    /// Q4_K panel: sub-block j of a super-block has scale d·sc_j and minimum −dmin·m_j.
    @inline(never) public static func panelQ4_K(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: tileDot) { row, b in
            panelK4Block(row, b, weightBytes: 144, qsAt: 16, fifthBit: false)
        }
    }

    /// Q5_K panel: as Q4_K with the fifth bits.
    @inline(never) public static func panelQ5_K(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: tileDot) { row, b in
            panelK4Block(row, b, weightBytes: 176, qsAt: 48, fifthBit: true)
        }
    }
}
