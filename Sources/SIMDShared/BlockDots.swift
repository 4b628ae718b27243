// Shared by KernelsAVX2 and KernelsAVX512 (each target links this file and compiles it with its own
// instruction set). `Here` is the target's public namespace; `mulSumU8S8`, `mulSumS8S8` and `bitsToBytes`
// are the target's primitives (Primitives.swift).
//
// Every kernel computes one weight row · one quantized activation row of `n` values; `w` points at the
// row's first block, `x` at the activation row (Q8_0/Q8_1/Q8_K blocks as in Kernels/ActivationQuant.swift).
// Lane i of a `mulSum` result holds bytes 4i‥4i+3, so lanes 0‥3 cover values 0‥15 and lanes 4‥7 values 16‥31.
import _Builtin_intrinsics.intel

@inline(__always) func ld128(_ p: UnsafeRawPointer) -> __m128i { p.loadUnaligned(as: __m128i.self) }
@inline(__always) func ld256(_ p: UnsafeRawPointer) -> __m256i { p.loadUnaligned(as: __m256i.self) }
/// An f16 field as Float. Through VMOVD (zeroes the register) rather than `Float(Float16)`, whose VPINSRW
/// merges into whatever register LLVM picks (often the FMA accumulator), chaining every block to the last.
@inline(__always) func half(_ p: UnsafeRawPointer, _ o: Int) -> Float {
    _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(Int32(p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))))
}
/// An f16 field broadcast to eight floats (VPBROADCASTW + VCVTPH2PS: no scalar round trip).
@inline(__always) func half8(_ p: UnsafeRawPointer, _ o: Int) -> __m256 {
    _mm256_cvtph_ps(_mm_set1_epi16(p.loadUnaligned(fromByteOffset: o, as: Int16.self)))
}
/// An F32 field broadcast to eight floats.
@inline(__always) func f32x8(_ p: UnsafeRawPointer, _ o: Int) -> __m256 {
    _mm256_set1_ps(p.loadUnaligned(fromByteOffset: o, as: Float.self))
}
@inline(__always) func bsum(_ x: UnsafeRawPointer, _ g: Int) -> Int32 {
    Int32(x.loadUnaligned(fromByteOffset: 260 + 2 * g, as: Int16.self))
}
@inline(__always) func bytes(_ v: Int8) -> __m256i { _mm256_set1_epi8(CChar(v)) }
/// Horizontal sum as a tree (3 dependent adds; `SIMD.sum()` here became 8 serial scalar adds per row).
@inline(__always) func hsum(_ v: __m256) -> Float {
    let h4 = v.lowHalf + v.highHalf
    let h2 = h4.lowHalf + h4.highHalf
    return h2[0] + h2[1]
}
/// Eight i32 lanes: the first four `a`, the last four `b` (per-16-value scales against `mulSum` lanes).
@inline(__always) func pairScale(_ a: Int32, _ b: Int32) -> __m256i {
    unsafeBitCast(SIMD8<Int32>(a, a, a, a, b, b, b, b), to: __m256i.self)
}

/// The 32 nibbles of a 16-byte block as bytes: low nibbles are values 0‥15, high nibbles 16‥31.
@inline(__always) func nibbles32(_ p: UnsafeRawPointer) -> __m256i {
    let b = ld128(p)
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), bytes(0x0F))
}

/// Σ over `count` blocks of `step(row, b, acc)` for one row: one accumulator, in the same order as
/// `rows4`, so a row gives bit-identical results through either.
@inline(__always) func row1(_ count: Int, _ w: UnsafeRawPointer,
                            _ step: (UnsafeRawPointer, Int, __m256) -> __m256) -> Float {
    var a = _mm256_setzero_ps()
    for b in 0..<count { a = step(w, b, a) }
    return hsum(a)
}

/// Four rows `w + k·stride` at once: the activation loads and block math of `step` are shared (LLVM merges
/// the identical loads of the four inlined steps), four independent accumulators hide the FMA latency,
/// and one combined horizontal reduction writes y[0‥3].
@inline(__always) func rows4(_ count: Int, _ w: UnsafeRawPointer, _ stride: Int, _ y: UnsafeMutablePointer<Float>,
                             _ step: (UnsafeRawPointer, Int, __m256) -> __m256) {
    var a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
    let w1 = w + stride, w2 = w1 + stride, w3 = w2 + stride
    for b in 0..<count {
        a0 = step(w, b, a0)
        a1 = step(w1, b, a1)
        a2 = step(w2, b, a2)
        a3 = step(w3, b, a3)
    }
    store4(a0, a1, a2, a3, y)
}

/// y[k] = Σ lanes(a_k): the four sums with the same tree as `hsum` (halves, then pairs), so each equals
/// `hsum(a_k)` bit for bit.
@inline(__always) func store4(_ a0: __m256, _ a1: __m256, _ a2: __m256, _ a3: __m256, _ y: UnsafeMutablePointer<Float>) {
    y[0] = hsum(a0); y[1] = hsum(a1); y[2] = hsum(a2); y[3] = hsum(a3)
}

/// acc + cvt(s)·d: one block's i32 lane sums scaled.
@inline(__always) func fmaBlock(_ s: __m256i, _ d: __m256, _ acc: __m256) -> __m256 {
    _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), d, acc)
}

/// Σ x_q per group of four bytes (eight i32 lanes, as `mulSum`): the offset term of signed weights stored
/// with a bias, shared by every row that multiplies the same activation block.
@inline(__always) func sumX(_ x: __m256i) -> __m256i { mulSumU8S8(bytes(1), x) }

// Block steps: acc + the contribution of block b of row `w` (activation row `x`).
@inline(__always) func q4_0Step(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ b: Int, _ acc: __m256) -> __m256 {
    let wb = w + b * 18, xb = x + b * 34
    let xq = ld256(xb + 2)
    // Σ (q − 8)·x = Σ q·x − 8·Σ x, with q unsigned (no sign trick) and Σ x shared across rows.
    let s = _mm256_sub_epi32(mulSumU8S8(nibbles32(wb + 2), xq), _mm256_slli_epi32(sumX(xq), 3))
    return fmaBlock(s, _mm256_mul_ps(half8(wb, 0), half8(xb, 0)), acc)
}

@inline(__always) func q5_0Step(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ b: Int, _ acc: __m256) -> __m256 {
    let wb = w + b * 22, xb = x + b * 34
    let xq = ld256(xb + 2)
    let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
    // Unsigned 5-bit q = nibble | 16·bit; Σ (q − 16)·x = Σ q·x − 16·Σ x.
    let q = _mm256_or_si256(nibbles32(wb + 6), _mm256_and_si256(hb, bytes(0x10)))
    let s = _mm256_sub_epi32(mulSumU8S8(q, xq), _mm256_slli_epi32(sumX(xq), 4))
    return fmaBlock(s, _mm256_mul_ps(half8(wb, 0), half8(xb, 0)), acc)
}

// Weights with a minimum (Q4_1, Q5_1) · Q8_1F. Per block, d_w·d_x·Σ q·x_q and m_w·s_x nearly cancel when an
// activation block holds one huge value (SmolLM2's residual outliers reach 10⁴): the two are combined per
// block, after an exact integer reduction of Σ q·x_q, before they are added to the row sum. Summing them
// apart (as llama.cpp does) doubled SmolLM2's mean logit error against exact math.

/// The unsigned quants of block `wb` (Q4_1: nibbles at 4).
@inline(__always) func q4_1Quants(_ wb: UnsafeRawPointer) -> __m256i { nibbles32(wb + 4) }
/// Q5_1: nibbles at 8 | 16 × bit j of qh (at 4).
@inline(__always) func q5_1Quants(_ wb: UnsafeRawPointer) -> __m256i {
    let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    return _mm256_or_si256(nibbles32(wb + 8), _mm256_and_si256(hb, bytes(0x10)))
}

/// Σ of the eight i32 lanes (exact).
@inline(__always) func hsumI32(_ v: __m256i) -> Int32 {
    let l = unsafeBitCast(v, to: SIMD8<Int32>.self)
    let h4 = l.lowHalf &+ l.highHalf
    let h2 = h4.lowHalf &+ h4.highHalf
    return h2[0] &+ h2[1]
}

/// One row: Σ_b (Float(Σ q·x_q)·(d_w·d_x) + m_w·s_x), one FMA per block, in block order.
@inline(__always) func minRow1(_ count: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer, blockBytes: Int,
                               _ quants: (UnsafeRawPointer) -> __m256i) -> Float {
    var acc: Float = 0
    for b in 0..<count {
        let wb = w + b * blockBytes, xb = x + b * 40
        let sumi = hsumI32(mulSumU8S8(quants(wb), ld256(xb + 8)))
        let dx = xb.loadUnaligned(as: Float.self), sx = xb.loadUnaligned(fromByteOffset: 4, as: Float.self)
        acc += (half(wb, 2) * sx).addingProduct(Float(sumi), half(wb, 0) * dx)
    }
    return acc
}

/// Four rows: the same per-row arithmetic as `minRow1`, one row per lane of a 4-float vector (bit-identical
/// results). The four Σ q·x_q are reduced together (three horizontal adds), and each row's f16 d and m
/// (adjacent at the block start) are converted in one go.
@inline(__always) func minRows4(_ count: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer,
                                _ y: UnsafeMutablePointer<Float>, blockBytes: Int,
                                _ quants: (UnsafeRawPointer) -> __m256i) {
    var acc = _mm_setzero_ps()
    for b in 0..<count {
        let w0 = w + b * blockBytes, w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride
        let xb = x + b * 40
        let xq = ld256(xb + 8)
        let s01 = _mm256_hadd_epi32(mulSumU8S8(quants(w0), xq), mulSumU8S8(quants(w1), xq))
        let s23 = _mm256_hadd_epi32(mulSumU8S8(quants(w2), xq), mulSumU8S8(quants(w3), xq))
        let s = _mm256_hadd_epi32(s01, s23)  // lanes: rows 0‥3 (values 0‥15), rows 0‥3 (values 16‥31)
        let halves = unsafeBitCast(s, to: SIMD8<Int32>.self)
        let sums = unsafeBitCast(halves.lowHalf &+ halves.highHalf, to: __m128i.self)
        let dm = _mm256_cvtph_ps(unsafeBitCast(SIMD4<UInt32>(w0.loadUnaligned(as: UInt32.self), w1.loadUnaligned(as: UInt32.self),
                                                             w2.loadUnaligned(as: UInt32.self), w3.loadUnaligned(as: UInt32.self)), to: __m128i.self))
        let d = unsafeBitCast(dm, to: SIMD8<Float>.self)
        let dw = unsafeBitCast(d.evenHalf, to: __m128.self), mw = unsafeBitCast(d.oddHalf, to: __m128.self)
        let dx = _mm_set1_ps(xb.loadUnaligned(as: Float.self)), sx = _mm_set1_ps(xb.loadUnaligned(fromByteOffset: 4, as: Float.self))
        acc = _mm_add_ps(acc, _mm_fmadd_ps(_mm_cvtepi32_ps(sums), _mm_mul_ps(dw, dx), _mm_mul_ps(mw, sx)))
    }
    _mm_storeu_ps(y, acc)
}

@inline(__always) func q8_0Step(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ b: Int, _ acc: __m256) -> __m256 {
    let wb = w + b * 34, xb = x + b * 34
    return fmaBlock(mulSumS8S8Shared(ld256(wb + 2), ld256(xb + 2)), _mm256_mul_ps(half8(wb, 0), half8(xb, 0)), acc)
}

extension Here {
    /// Q4_0 · Q8_0: Σ_blocks d_w·d_x·Σ (q − 8)·x_q.
    @inline(never) public static func dotQ4_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 32, w) { q4_0Step($0, x, $1, $2) }
    }
    /// Four Q4_0 rows (`stride` bytes apart) · one Q8_0 row into y[0‥3].
    @inline(never) public static func dot4Q4_0(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 32, w, stride, y) { q4_0Step($0, x, $1, $2) }
    }

    /// Q4_1 · Q8_1F: Σ d_w·d_x·Σ q·x_q + m_w·s_x, where s_x = d_x·Σ x_q is stored (F32) in the block.
    @inline(never) public static func dotQ4_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        minRow1(n / 32, w, x, blockBytes: 20, q4_1Quants)
    }
    @inline(never) public static func dot4Q4_1(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        minRows4(n / 32, w, stride, x, y, blockBytes: 20, q4_1Quants)
    }

    /// Q5_0 · Q8_0: the 5th bit comes from `qh`.
    @inline(never) public static func dotQ5_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 32, w) { q5_0Step($0, x, $1, $2) }
    }
    @inline(never) public static func dot4Q5_0(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 32, w, stride, y) { q5_0Step($0, x, $1, $2) }
    }

    /// Q5_1 · Q8_1F: unsigned 5-bit q with minimum, as Q4_1.
    @inline(never) public static func dotQ5_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        minRow1(n / 32, w, x, blockBytes: 24, q5_1Quants)
    }
    @inline(never) public static func dot4Q5_1(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        minRows4(n / 32, w, stride, x, y, blockBytes: 24, q5_1Quants)
    }

    /// Q8_0 · Q8_0.
    @inline(never) public static func dotQ8_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 32, w) { q8_0Step($0, x, $1, $2) }
    }
    @inline(never) public static func dot4Q8_0(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 32, w, stride, y) { q8_0Step($0, x, $1, $2) }
    }
}
