// Shared by KernelsAVX2 and KernelsAVX512: the panel kernels of prefill (matrix × matrix) for Q4_0, Q5_0,
// Q8_0, Q4_1, Q5_1, Q4_K, Q5_K (scales per 32 values) and Q6_K (per 16: signed panels, below).
//
// A panel is `panelRows()` weight rows (8 per 256-bit group) decoded once into unsigned bytes, laid out so
// that one vector holds four consecutive values of each of eight rows: per 32-value block b, group k and
// 4-byte step g, 32 bytes = rows 0‥7 × values 4g‥4g+3. Against an activation word (four i8 values broadcast
// to every lane) one VPDPBUSD then adds four products to each of eight rows' sums, so after the eight
// steps of a block lane r holds Σ u·x_q of row r: the row's block sum, with no horizontal reduction, and
// the float work (scale, minimum, accumulate) is one vector operation for eight rows. The rows × tokens
// tiles that panels replaced unpacked every weight block again for each four tokens and reduced eight lanes
// per output; a panel is unpacked once for every token of the call (2-3× faster, owl-kernel-bench --prefill).
//
// Every block value is w = d·u + m with u an unsigned byte: m = −o·d for the offset types (o = 8, 16, 128
// or 0, see `panelQ8Weights`), m the stored minimum for Q4_1/Q5_1, −dmin·m_j for K-quant sub-block j.
// Activations are Q8_1F (F32 d_x, s_x = d_x·Σ x_q, 32 × i8), so per block and token
//   Σ w·x = d·d_x·Σ u·x_q + m·s_x,
// the two parts combined before they enter the row's running sum (d·Σu·x_q and m·s_x nearly cancel;
// added to the running sum one after the other, they would round it at their own, larger magnitude).
import _Builtin_intrinsics.intel

/// The eight 6-bit scales and eight 6-bit minimums of a Q4_K/Q5_K super-block (12 bytes at `s`), one per
/// byte: scale j<4 is s[j] & 63, j≥4 is (s[j+4] & 15) | (s[j−4] >> 6) << 4; minimum j<4 is s[j+4] & 63,
/// j≥4 is (s[j+4] >> 4) | (s[j] >> 6) << 4. Done on three 32-bit words at once.
@inline(__always) func panelScalesK4(_ s: UnsafeRawPointer) -> (scales: UInt64, mins: UInt64) {
    let u0 = s.loadUnaligned(as: UInt32.self), u1 = s.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    let u2 = s.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
    let low6: UInt32 = 0x3F3F_3F3F, low4: UInt32 = 0x0F0F_0F0F, low2: UInt32 = 0x0303_0303
    let scLow = u0 & low6, scHigh = (u2 & low4) | (((u0 >> 6) & low2) << 4)
    let mLow = u1 & low6, mHigh = ((u2 >> 4) & low4) | (((u1 >> 6) & low2) << 4)
    return (UInt64(scLow) | UInt64(scHigh) << 32, UInt64(mLow) | UInt64(mHigh) << 32)
}

/// `body(0)`, …, `body(count − 1)` written out (count ≤ 4), so loops over the groups and tokens of a panel
/// unroll whatever the optimizer's size limits and their sums and accumulators stay in registers.
@inline(__always) func unrolled(_ count: Int, _ body: (Int) -> Void) {
    if count > 0 { body(0) }
    if count > 1 { body(1) }
    if count > 2 { body(2) }
    if count > 3 { body(3) }
}

/// One decoded weight block of one row: 32 unsigned bytes in value order, scale d and minimum m.
@usableFromInline typealias PanelBlock = (u: __m256i, d: Float, m: Float)

/// Bytes of panel scratch for `n` values per row: the bytes, then per block the rows' scales and minimums
/// (or, for signed panels, two half-block scales and two integer starts).
@inline(__always) func panelScratchBytes(_ n: Int) -> Int { panelRows() * n + 4 * panelRows() * (n / 32) * 4 }

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
    panelStore(T, acc, rows: rows, y, ys)
}

/// Signed panels, for weights whose scales cover 16 values (Q6_K): the weight bytes are signed, the
/// activation words are made unsigned (x_q + 128, an XOR with 0x80), and each half-block (four steps) has
/// its own scale. Σ (x_q + 128)·w = Σ x_q·w + 128·Σ w, so each half's integer sum starts at −128·Σ w,
/// computed at decode. `block(row, b)` gives the 32 signed bytes and the two half scales.
@inline(__always)
func panelDecodeSigned(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, rows: Int, _ scratch: UnsafeMutableRawPointer,
                       _ block: (UnsafeRawPointer, Int) -> (s: __m256i, d0: Float, d1: Float)) {
    let P = panelRows(), blocks = n / 32
    let words = scratch.assumingMemoryBound(to: UInt32.self)
    let scales = (scratch + P * n).assumingMemoryBound(to: Float.self)
    let starts = (scratch + P * n + 2 * P * blocks * 4).assumingMemoryBound(to: Int32.self)
    for b in 0..<blocks {
        for row in 0..<P {
            var v: (s: __m256i, d0: Float, d1: Float) = (_mm256_setzero_si256(), 0, 0)
            if row < rows { v = block(w + row * ws, b) }
            let k = row / 8, r = row % 8
            let out = words + (b * P + k * 8) * 8 + r
            withUnsafeBytes(of: v.s) { s in
                for g in 0..<8 { out[g * 8] = s.load(fromByteOffset: 4 * g, as: UInt32.self) }
                for half in 0..<2 {
                    var sum: Int32 = 0
                    for j in (16 * half)..<(16 * half + 16) { sum += Int32(s.load(fromByteOffset: j, as: Int8.self)) }
                    starts[(b * 2 + half) * P + row] = -128 * sum
                }
            }
            scales[(b * 2) * P + row] = v.d0
            scales[(b * 2 + 1) * P + row] = v.d1
        }
    }
}

/// `panelTokens` for signed panels.
@inline(__always)
func panelTokensSigned(_ T: Int, _ n: Int, _ scratch: UnsafeRawPointer, rows: Int, _ x: UnsafeRawPointer, _ xs: Int,
                       _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
    let G = panelRows() / 8, P = panelRows(), blocks = n / 32
    let scales = (scratch + P * n).assumingMemoryBound(to: Float.self)
    let starts = (scratch + P * n + 2 * P * blocks * 4).assumingMemoryBound(to: Int32.self)
    var acc = InlineArray<8, __m256>(repeating: _mm256_setzero_ps())
    var sum = InlineArray<8, __m256i>(repeating: _mm256_setzero_si256())
    var wv = InlineArray<2, __m256i>(repeating: _mm256_setzero_si256())
    let flip = _mm256_set1_epi32(Int32(bitPattern: 0x8080_8080))
    for b in 0..<blocks {
        let pb = scratch + b * P * 32
        for half in 0..<2 {
            unrolled(G) { k in
                let start = ld256(UnsafeRawPointer(starts + (b * 2 + half) * P + k * 8))
                unrolled(T) { t in sum[k * T + t] = start }
            }
            for g in (4 * half)..<(4 * half + 4) {
                unrolled(G) { k in wv[k] = ld256(pb + (k * 8 + g) * 32) }
                unrolled(T) { t in
                    let word = _mm256_set1_epi32((x + t * xs + b * 40 + 8 + 4 * g).loadUnaligned(as: Int32.self))
                    let xv = _mm256_xor_si256(word, flip)
                    unrolled(G) { k in sum[k * T + t] = panelDot(sum[k * T + t], xv, wv[k]) }
                }
            }
            unrolled(G) { k in
                let d = _mm256_loadu_ps(scales + (b * 2 + half) * P + k * 8)
                unrolled(T) { t in
                    acc[k * T + t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[k * T + t]),
                                                     _mm256_mul_ps(d, f32x8(x + t * xs + b * 40, 0)), acc[k * T + t])
                }
            }
        }
    }
    panelStore(T, acc, rows: rows, y, ys)
}

/// Writes the accumulators of T tokens × the panel's groups to y (only `rows` rows).
@inline(__always)
func panelStore(_ T: Int, _ acc: InlineArray<8, __m256>, rows: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
    let G = panelRows() / 8
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

/// Runs `body(T, t)` for every run of up to four tokens (T a constant in each call, for unrolling).
@inline(__always) func panelTokenRuns(_ tokens: Int, _ body: (Int, Int) -> Void) {
    var t = 0
    while t + 4 <= tokens {
        body(4, t)
        t += 4
    }
    switch tokens - t {
    case 3: body(3, t)
    case 2: body(2, t)
    case 1: body(1, t)
    default: break
    }
}

/// The panel product for `rows` ≤ `panelRows()` rows and every one of `tokens` tokens.
@inline(__always)
func panel(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, rows: Int, _ x: UnsafeRawPointer, _ xs: Int, tokens: Int,
           _ y: UnsafeMutablePointer<Float>, _ ys: Int, _ scratch: UnsafeMutableRawPointer,
           pair: (__m256i, __m256i, __m256i) -> __m256i, block: (UnsafeRawPointer, Int) -> PanelBlock) {
    panelDecode(n, w, ws, rows: rows, scratch, block)
    panelTokenRuns(tokens) { T, t in panelTokens(T, n, scratch, rows: rows, x + t * xs, xs, y + t * ys, ys, pair: pair) }
}

/// The 32 five-bit values of a Q5_0/Q5_1 block: nibbles at `qsAt`, bit j of the 32-bit field at `qhAt` as
/// value j's fifth bit.
@inline(__always) func fiveBits32(_ wb: UnsafeRawPointer, qhAt: Int, qsAt: Int) -> __m256i {
    let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: qhAt, as: UInt32.self))
    return _mm256_or_si256(nibbles32(wb + qsAt), _mm256_and_si256(hb, bytes(0x10)))
}

/// Block b of a Q4_K / Q5_K row: sub-block j = b mod 8 of super-block b / 8 (`qsAt`: offset of the 128
/// nibble bytes; `fifthBit`: Q5_K's 32 qh bytes at 16).
@inline(__always) func panelK4Block(_ row: UnsafeRawPointer, _ b: Int, weightBytes: Int, qsAt: Int, fifthBit: Bool) -> PanelBlock {
    let sb = row + (b / 8) * weightBytes, j = b % 8, c = j / 2
    let (sc, mn) = panelScalesK4(sb + 4)
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
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: panelDot) { row, b in
            let wb = row + b * 18
            let d = half(wb, 0)
            return (nibbles32(wb + 2), d, -8 * d)
        }
    }

    /// Q5_0 panel: u = nibble | 5th bit << 4, m = −16·d.
    @inline(never) public static func panelQ5_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: panelDot) { row, b in
            let wb = row + b * 22
            let d = half(wb, 0)
            return (fiveBits32(wb, qhAt: 2, qsAt: 6), d, -16 * d)
        }
    }

    /// Q8_0 panel: the path's Q8 weight form (`panelQ8Weights`), m = −2^shift·d.
    @inline(never) public static func panelQ8_0(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        let offset: Float = panelQ8Shift() == 0 ? 0 : Float(1 << panelQ8Shift())
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: panelQ8Dot) { row, b in
            let wb = row + b * 34
            let d = half(wb, 0)
            return (panelQ8Weights(ld256(wb + 2)), d, -offset * d)
        }
    }

    /// Q4_1 panel: u = nibble, m = the stored minimum.
    @inline(never) public static func panelQ4_1(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: panelDot) { row, b in
            let wb = row + b * 20
            return (nibbles32(wb + 4), half(wb, 0), half(wb, 2))
        }
    }

    /// Q5_1 panel: u = nibble | 5th bit << 4, m = the stored minimum.
    @inline(never) public static func panelQ5_1(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: panelDot) { row, b in
            let wb = row + b * 24
            return (fiveBits32(wb, qhAt: 4, qsAt: 8), half(wb, 0), half(wb, 2))
        }
    }

    /// Q4_K panel: sub-block j of a super-block has scale d·sc_j and minimum −dmin·m_j.
    @inline(never) public static func panelQ4_K(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: panelDot) { row, b in
            panelK4Block(row, b, weightBytes: 144, qsAt: 16, fifthBit: false)
        }
    }

    /// Q6_K panel (signed): block j of a super-block is values 32j‥32j+31, q − 32 with scales d·sc_2j and
    /// d·sc_2j+1 (the low nibbles of ql for j mod 4 < 2, else the high; two bits of qh per value).
    @inline(never) public static func panelQ6_K(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panelDecodeSigned(n, w, ws, rows: rows, scratch) { row, b in
            let sb = row + (b / 8) * 210, j = b % 8, h = j / 4, k = j % 4
            let ql = ld256(sb + h * 64 + 32 * (k & 1)), qh = ld256(sb + 128 + h * 32)
            let low = k < 2 ? _mm256_and_si256(ql, bytes(0x0F)) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), bytes(0x0F))
            let high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(Int32(2 * k))), bytes(3)), 4)
            let d = half(sb, 208)
            return (_mm256_sub_epi8(_mm256_or_si256(low, high), bytes(32)),
                    d * Float(sb.load(fromByteOffset: 192 + 2 * j, as: Int8.self)),
                    d * Float(sb.load(fromByteOffset: 193 + 2 * j, as: Int8.self)))
        }
        panelTokenRuns(tokens) { T, t in panelTokensSigned(T, n, scratch, rows: rows, x + t * xs, xs, y + t * ys, ys) }
    }

    /// Q5_K panel: as Q4_K with the fifth bits.
    @inline(never) public static func panelQ5_K(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, _ rows: Int, _ x: UnsafeRawPointer,
                                                _ xs: Int, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int,
                                                _ scratch: UnsafeMutableRawPointer) {
        panel(n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys, scratch, pair: panelDot) { row, b in
            panelK4Block(row, b, weightBytes: 176, qsAt: 48, fifthBit: true)
        }
    }
}
