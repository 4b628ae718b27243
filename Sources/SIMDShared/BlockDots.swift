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

/// An F32 field in lane 0, zero elsewhere (adds a per-block scalar term to an accumulator once).
@inline(__always) func f32Lane0(_ p: UnsafeRawPointer, _ o: Int) -> __m256 {
    _mm256_set_ps(0, 0, 0, 0, 0, 0, 0, p.loadUnaligned(fromByteOffset: o, as: Float.self))
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

@inline(__always) func q4_1Step(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ b: Int, _ acc: __m256) -> __m256 {
    let wb = w + b * 20, xb = x + b * 40
    let s = mulSumU8S8(nibbles32(wb + 4), ld256(xb + 8))
    let scaled = fmaBlock(s, _mm256_mul_ps(half8(wb, 0), f32x8(xb, 0)), acc)
    return _mm256_fmadd_ps(half8(wb, 2), f32Lane0(xb, 4), scaled)  // + m_w·s_x, once
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

@inline(__always) func q5_1Step(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer, _ b: Int, _ acc: __m256) -> __m256 {
    let wb = w + b * 24, xb = x + b * 40
    let hb = bitsToBytes(wb.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    let q = _mm256_or_si256(nibbles32(wb + 8), _mm256_and_si256(hb, bytes(0x10)))
    let scaled = fmaBlock(mulSumU8S8(q, ld256(xb + 8)), _mm256_mul_ps(half8(wb, 0), f32x8(xb, 0)), acc)
    return _mm256_fmadd_ps(half8(wb, 2), f32Lane0(xb, 4), scaled)
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
        row1(n / 32, w) { q4_1Step($0, x, $1, $2) }
    }
    @inline(never) public static func dot4Q4_1(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 32, w, stride, y) { q4_1Step($0, x, $1, $2) }
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
        row1(n / 32, w) { q5_1Step($0, x, $1, $2) }
    }
    @inline(never) public static func dot4Q5_1(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 32, w, stride, y) { q5_1Step($0, x, $1, $2) }
    }

    /// Q8_0 · Q8_0.
    @inline(never) public static func dotQ8_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        row1(n / 32, w) { q8_0Step($0, x, $1, $2) }
    }
    @inline(never) public static func dot4Q8_0(_ n: Int, _ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        rows4(n / 32, w, stride, y) { q8_0Step($0, x, $1, $2) }
    }
}
