// Shared by KernelsAVX2 and KernelsAVX512: the row kernels of the forward pass that are not weight products —
// RMSNorm, softmax, gated activations, residual adds, RoPE, causal attention (flash-attention style, over F32
// or F16 keys and values) and the F32 → F16 conversion of KV cache rows.
// The scalar references and the work split live in Kernels (Elementwise.swift, Rope.swift, Attention.swift);
// tests compare every path with them.
//
// Everything here is 8 lanes of AVX2 + FMA + F16C (also in the AVX-512 module) and in this one file on purpose:
// debug builds compile each file on its own, and helpers in another file would not be inlined (calls per
// vector made these kernels slower than scalar code under `swift test`).
import _Builtin_intrinsics.intel

// MARK: - Lane primitives

/// One vector of F32 lanes.
fileprivate typealias VF = __m256
@inline(__always) fileprivate var vfLanes: Int { 8 }
@inline(__always) fileprivate func vfLoad(_ p: UnsafePointer<Float>) -> VF { _mm256_loadu_ps(p) }
@inline(__always) fileprivate func vfStore(_ p: UnsafeMutablePointer<Float>, _ v: VF) { _mm256_storeu_ps(p, v) }
@inline(__always) fileprivate func vfSplat(_ x: Float) -> VF { _mm256_set1_ps(x) }
@inline(__always) fileprivate func vfZero() -> VF { _mm256_setzero_ps() }
/// a · b + c, one rounding.
@inline(__always) fileprivate func vfFMA(_ a: VF, _ b: VF, _ c: VF) -> VF { _mm256_fmadd_ps(a, b, c) }
/// a · b − c, one rounding.
@inline(__always) fileprivate func vfFMS(_ a: VF, _ b: VF, _ c: VF) -> VF { _mm256_fmsub_ps(a, b, c) }
@inline(__always) fileprivate func vfMax(_ a: VF, _ b: VF) -> VF { _mm256_max_ps(a, b) }
@inline(__always) fileprivate func vfMin(_ a: VF, _ b: VF) -> VF { _mm256_min_ps(a, b) }
@inline(__always) fileprivate func vfDiv(_ a: VF, _ b: VF) -> VF { _mm256_div_ps(a, b) }
/// Lane sum as a tree (3 dependent adds).
@inline(__always) fileprivate func vfSum(_ v: VF) -> Float {
    let h4 = _mm_add_ps(v.lowHalf, v.highHalf)
    let h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4))
    return h2[0] + h2[1]
}
/// The lane sums of four vectors: two rounds of pairwise horizontal adds, then the halves.
@inline(__always) fileprivate func vfSum4(_ a: VF, _ b: VF, _ c: VF, _ d: VF) -> SIMD4<Float> {
    let h = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d))
    return _mm_add_ps(h.lowHalf, h.highHalf)
}
@inline(__always) fileprivate func vfMaxAcross(_ v: VF) -> Float {
    let h4 = _mm_max_ps(v.lowHalf, v.highHalf)
    let h2 = _mm_max_ps(h4, _mm_movehl_ps(h4, h4))
    return Swift.max(h2[0], h2[1])
}
/// Lanes i < k set (k in 0‥8), as a load/store mask.
@inline(__always) fileprivate func vfMask(_ k: Int) -> __m256i {
    _mm256_cmpgt_epi32(_mm256_set1_epi32(Int32(k)), _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0))
}
/// The first k lanes from p, zero elsewhere (nothing read past p + k).
@inline(__always) fileprivate func vfLoadFirst(_ p: UnsafePointer<Float>, _ k: Int) -> VF { _mm256_maskload_ps(p, vfMask(k)) }
/// Stores the first k lanes (nothing written past p + k).
@inline(__always) fileprivate func vfStoreFirst(_ p: UnsafeMutablePointer<Float>, _ v: VF, _ k: Int) {
    _mm256_maskstore_ps(p, vfMask(k), v)
}
/// 2ⁿ for integral n in [−126, 127]: n + 127 shifted into the exponent field.
@inline(__always) fileprivate func vfPow2(_ n: VF) -> VF {
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))
}
/// Adjacent lanes swapped: (x0, x1, x2, x3, …) → (x1, x0, x3, x2, …).
@inline(__always) fileprivate func vfSwapPairs(_ v: VF) -> VF {
    _mm256_permutevar_ps(v, _mm256_set_epi32(2, 3, 0, 1, 2, 3, 0, 1))
}
/// Σ x² over four floats at a time in Double (two accumulators).
@inline(__always) fileprivate func sumSquaresDouble(_ x: UnsafePointer<Float>, _ n: Int) -> (Double, Int) {
    var a0 = _mm256_setzero_pd(), a1 = a0
    var i = 0
    while i + 8 <= n {
        let v0 = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), v1 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4))
        a0 = _mm256_fmadd_pd(v0, v0, a0)
        a1 = _mm256_fmadd_pd(v1, v1, a1)
        i += 8
    }
    let s = _mm256_add_pd(a0, a1)
    let h = _mm_add_pd(s.lowHalf, s.highHalf)
    return (h[0] + h[1], i)
}


// MARK: - Element-wise
// Loops run whole vectors, then one partial vector through masked loads and stores (`vfLoadFirst`,
// `vfStoreFirst`), with the body written out twice: closures passed to a loop helper were not inlined.

/// eˣ, relative error ≈ 2e-7 (x clamped to [−87, 88], so never 0 or ∞): eˣ = 2ⁿ·eʳ with n = round(x/ln2),
/// r = x − n·ln2 (ln2 split in two for exactness), eʳ by its degree-6 Taylor polynomial on |r| ≤ ln2/2.
@inline(__always) fileprivate func vfExp(_ x: VF) -> VF {
    let xc = vfMax(vfMin(x, vfSplat(88)), vfSplat(-87))
    // Round to nearest by adding and removing 1.5·2²³ (no rounding instruction with an immediate needed).
    let magic = vfSplat(12_582_912)
    let n = vfFMA(xc, vfSplat(1.44269504088896341), magic) - magic
    let r = vfFMA(n, vfSplat(-1.428606765330187045e-6), vfFMA(n, vfSplat(-0.693145751953125), xc))
    var p = vfFMA(r, vfSplat(1.0 / 720), vfSplat(1.0 / 120))
    p = vfFMA(p, r, vfSplat(1.0 / 24))
    p = vfFMA(p, r, vfSplat(1.0 / 6))
    p = vfFMA(p, r, vfSplat(0.5))
    p = vfFMA(p, r, vfSplat(1))
    p = vfFMA(p, r, vfSplat(1))
    return p * vfPow2(n)
}

extension Here {
    /// RMSNorm of one row: `y = x / √(mean(x²) + eps) · w` (no `w`: no weight); `y` may alias `x`.
    /// The sum of squares is kept in Double, as in the scalar reference.
    @inline(never) public static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>?,
                                              _ y: UnsafeMutablePointer<Float>, _ n: Int, _ eps: Float) {
        var (ss, i) = sumSquaresDouble(x, n)
        while i < n { let v = Double(x[i]); ss += v * v; i += 1 }
        let s = vfSplat(Float(1.0 / (ss / Double(n) + Double(eps)).squareRoot()))
        i = 0
        if let w {
            while i + vfLanes <= n { vfStore(y + i, vfLoad(x + i) * s * vfLoad(w + i)); i += vfLanes }
            if i < n { vfStoreFirst(y + i, vfLoadFirst(x + i, n - i) * s * vfLoadFirst(w + i, n - i), n - i) }
        } else {
            while i + vfLanes <= n { vfStore(y + i, vfLoad(x + i) * s); i += vfLanes }
            if i < n { vfStoreFirst(y + i, vfLoadFirst(x + i, n - i) * s, n - i) }
        }
    }

    /// In-place softmax of n values (the denominator summed in Double).
    @inline(never) public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n > 0 else { return }
        var mv = vfSplat(-.infinity)
        var i = 0
        while i + vfLanes <= n { mv = vfMax(mv, vfLoad(x + i)); i += vfLanes }
        var m = vfMaxAcross(mv)
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        let sum = expSum(x, n, m)
        scaleRow(x, n, Float(1 / sum))
    }

    /// `x[i] = e^(x[i] − m)` in place; returns Σ x[i] (in Double).
    @inline(__always) static func expSum(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ m: Float) -> Double {
        let mv = vfSplat(m)
        var sum = 0.0
        var i = 0
        while i + vfLanes <= n {
            let e = vfExp(vfLoad(x + i) - mv)
            vfStore(x + i, e)
            sum += Double(vfSum(e))
            i += vfLanes
        }
        if i < n {
            vfStoreFirst(x + i, vfExp(vfLoadFirst(x + i, n - i) - mv), n - i)
            while i < n { sum += Double(x[i]); i += 1 }
        }
        return sum
    }

    /// `x[i] *= c`.
    @inline(__always) static func scaleRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ c: Float) {
        let cv = vfSplat(c)
        var i = 0
        while i + vfLanes <= n { vfStore(x + i, vfLoad(x + i) * cv); i += vfLanes }
        if i < n { vfStoreFirst(x + i, vfLoadFirst(x + i, n - i) * cv, n - i) }
    }

    /// SwiGLU: `a[i] = a[i] · σ(a[i]) · b[i]` = a / (1 + e^(−a)) · b.
    @inline(never) public static func swiglu(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        @inline(__always) func f(_ g: VF, _ b: VF) -> VF { vfDiv(g, vfSplat(1) + vfExp(-g)) * b }
        var i = 0
        while i + vfLanes <= n { vfStore(a + i, f(vfLoad(a + i), vfLoad(b + i))); i += vfLanes }
        if i < n { vfStoreFirst(a + i, f(vfLoadFirst(a + i, n - i), vfLoadFirst(b + i, n - i)), n - i) }
    }

    /// GELU-tanh gate: `a[i] = gelu_tanh(a[i]) · b[i]`, through ½(1 + tanh u) = σ(2u):
    /// gelu_tanh(x) = x / (1 + e^(−2u)), u = √(2/π)(x + 0.044715x³).
    @inline(never) public static func geluTanhGate(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        @inline(__always) func f(_ x: VF, _ b: VF) -> VF {
            let u = vfFMA(vfSplat(0.044715) * x * x, x, x) * vfSplat(-2 * 0.7978845608028654)
            return vfDiv(x, vfSplat(1) + vfExp(u)) * b
        }
        var i = 0
        while i + vfLanes <= n { vfStore(a + i, f(vfLoad(a + i), vfLoad(b + i))); i += vfLanes }
        if i < n { vfStoreFirst(a + i, f(vfLoadFirst(a + i, n - i), vfLoadFirst(b + i, n - i)), n - i) }
    }

    /// Residual add: `y[i] += x[i]`.
    @inline(never) public static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + vfLanes <= n { vfStore(y + i, vfLoad(y + i) + vfLoad(x + i)); i += vfLanes }
        if i < n { vfStoreFirst(y + i, vfLoadFirst(y + i, n - i) + vfLoadFirst(x + i, n - i), n - i) }
    }

    /// RoPE, adjacent pairs (2i, 2i+1), on the first `nRot` values of each of `heads` heads:
    /// `v' = v·cosPairs + swap(v)·sinPairs` with cosPairs = (c₀, c₀, c₁, c₁, …), sinPairs = (−s₀, s₀, −s₁, s₁, …).
    @inline(never) public static func ropeNormal(_ x: UnsafeMutablePointer<Float>, _ heads: Int, _ headDim: Int, _ nRot: Int,
                                                 _ cosPairs: UnsafePointer<Float>, _ sinPairs: UnsafePointer<Float>) {
        @inline(__always) func f(_ a: VF, _ c: VF, _ s: VF) -> VF { vfFMA(vfSwapPairs(a), s, a * c) }
        for h in 0..<heads {
            let v = x + h * headDim
            var i = 0
            while i + vfLanes <= nRot { vfStore(v + i, f(vfLoad(v + i), vfLoad(cosPairs + i), vfLoad(sinPairs + i))); i += vfLanes }
            if i < nRot {
                let k = nRot - i
                vfStoreFirst(v + i, f(vfLoadFirst(v + i, k), vfLoadFirst(cosPairs + i, k), vfLoadFirst(sinPairs + i, k)), k)
            }
        }
    }

    /// RoPE, NeoX pairs (i, i + nRot/2): a' = a·c − b·s, b' = a·s + b·c with `cos`, `sin` of nRot/2 angles.
    @inline(never) public static func ropeNeox(_ x: UnsafeMutablePointer<Float>, _ heads: Int, _ headDim: Int, _ nRot: Int,
                                               _ cos: UnsafePointer<Float>, _ sin: UnsafePointer<Float>) {
        let half = nRot / 2
        for h in 0..<heads {
            let v = x + h * headDim
            var i = 0
            while i + vfLanes <= half {
                let a = vfLoad(v + i), b = vfLoad(v + half + i), c = vfLoad(cos + i), s = vfLoad(sin + i)
                vfStore(v + i, vfFMS(a, c, b * s))
                vfStore(v + half + i, vfFMA(a, s, b * c))
                i += vfLanes
            }
            if i < half {
                let k = half - i
                let a = vfLoadFirst(v + i, k), b = vfLoadFirst(v + half + i, k)
                let c = vfLoadFirst(cos + i, k), s = vfLoadFirst(sin + i, k)
                vfStoreFirst(v + i, vfFMS(a, c, b * s), k)
                vfStoreFirst(v + half + i, vfFMA(a, s, b * c), k)
            }
        }
    }
}

// MARK: - F16 rows

/// Eight halves (IEEE binary16 bit patterns) as floats: VCVTPH2PS, exact.
@inline(__always) fileprivate func hfLoad(_ p: UnsafePointer<UInt16>) -> VF {
    _mm256_cvtph_ps(UnsafeRawPointer(p).loadUnaligned(as: __m128i.self))
}
/// The first k halves from p as floats, zero elsewhere (nothing read past p + k; tails only).
@inline(__always) fileprivate func hfLoadFirst(_ p: UnsafePointer<UInt16>, _ k: Int) -> VF {
    var h = SIMD8<UInt16>()
    for i in 0..<Swift.min(k, 8) { h[i] = p[i] }
    return _mm256_cvtph_ps(unsafeBitCast(h, to: __m128i.self))
}

/// An element type attention reads keys and values from: F32, or F16 bit patterns widened while loading.
/// The kernels below are generic over it and specialized for both (same file), so the load is inlined.
fileprivate protocol KVElement {
    static func vload(_ p: UnsafePointer<Self>) -> VF
    static func vloadFirst(_ p: UnsafePointer<Self>, _ k: Int) -> VF
}
extension Float: KVElement {
    @inline(__always) fileprivate static func vload(_ p: UnsafePointer<Float>) -> VF { vfLoad(p) }
    @inline(__always) fileprivate static func vloadFirst(_ p: UnsafePointer<Float>, _ k: Int) -> VF { vfLoadFirst(p, k) }
}
extension UInt16: KVElement {
    @inline(__always) fileprivate static func vload(_ p: UnsafePointer<UInt16>) -> VF { hfLoad(p) }
    @inline(__always) fileprivate static func vloadFirst(_ p: UnsafePointer<UInt16>, _ k: Int) -> VF { hfLoadFirst(p, k) }
}

extension Here {
    /// F32 → F16 bit patterns, round to nearest even (VCVTPS2PH through LLVM's vector truncation; NaN kept
    /// quiet with its sign and top payload bits, overflow to ±inf, subnormals kept): the same bits as
    /// `floatToHalfBits` in Kernels.
    @inline(never) public static func toHalf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt16>, _ n: Int) {
        var i = 0
        while i + vfLanes <= n {
            let h = SIMD8<Float16>(vfLoad(x + i))
            UnsafeMutableRawPointer(y + i).storeBytes(of: h, as: SIMD8<Float16>.self)
            i += vfLanes
        }
        while i < n { y[i] = Float16(x[i]).bitPattern; i += 1 }
    }
}

// MARK: - Attention

/// Keys per block of the online softmax: the block's scores (4 × 64 floats) stay in L1 beside the
/// accumulators while the block's K and V rows are read once for all rows of the tile.
@inline(__always) fileprivate var attentionBlock: Int { 64 }

/// Four dot products Σ a_r[i]·b_r[i] over n values (the tile's rows against one key, or one row against
/// four keys); four independent FMA chains, reduced together.
@inline(__always) fileprivate func dots4<E: KVElement>(
    _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>, _ a3: UnsafePointer<Float>,
    _ b0: UnsafePointer<E>, _ b1: UnsafePointer<E>, _ b2: UnsafePointer<E>, _ b3: UnsafePointer<E>, _ n: Int
) -> SIMD4<Float> {
    var s0 = vfZero(), s1 = s0, s2 = s0, s3 = s0
    var i = 0
    while i + vfLanes <= n {
        s0 = vfFMA(vfLoad(a0 + i), E.vload(b0 + i), s0)
        s1 = vfFMA(vfLoad(a1 + i), E.vload(b1 + i), s1)
        s2 = vfFMA(vfLoad(a2 + i), E.vload(b2 + i), s2)
        s3 = vfFMA(vfLoad(a3 + i), E.vload(b3 + i), s3)
        i += vfLanes
    }
    if i < n {
        let k = n - i
        s0 = vfFMA(vfLoadFirst(a0 + i, k), E.vloadFirst(b0 + i, k), s0)
        s1 = vfFMA(vfLoadFirst(a1 + i, k), E.vloadFirst(b1 + i, k), s1)
        s2 = vfFMA(vfLoadFirst(a2 + i, k), E.vloadFirst(b2 + i, k), s2)
        s3 = vfFMA(vfLoadFirst(a3 + i, k), E.vloadFirst(b3 + i, k), s3)
    }
    return vfSum4(s0, s1, s2, s3)
}

extension Here {
    /// Floats of scratch `attendRows` needs for values of width `valueDim`.
    public static func attentionScratch(valueDim: Int) -> Int { 4 * valueDim + 4 * attentionBlock }

    /// Causal attention for `rows` (1‥4) query rows of one KV head:
    /// out_r = Σ_j softmax_j(scale · q_r·k_j) v_j over j in [lo_r, p_r], lo_r = max(0, p_r − window + 1)
    /// (window 0: lo_r = 0).
    ///
    /// Keys are visited in blocks of `attentionBlock`; each row keeps its running maximum m, denominator l
    /// and unnormalized output o: for a block with scores s, m' = max(m, max s), o ← o·e^(m−m') + Σ e^(s_j−m')·v_j,
    /// l ← l·e^(m−m') + Σ e^(s_j−m'). Row r's query is `q + rowIndex[r]·headDim`, its output
    /// `out + rowIndex[r]·valueDim`, its position `positions[r]`; key j is `keys + j·keyStride`, value j
    /// `values + j·valueStride` (both already offset to the KV head). `scratch` holds
    /// `attentionScratch(valueDim:)` floats.
    @inline(never) public static func attendRows(
        _ rows: Int, _ rowIndex: UnsafePointer<Int>, _ positions: UnsafePointer<Int>,
        _ q: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ keys: UnsafePointer<Float>, _ keyStride: Int, _ values: UnsafePointer<Float>, _ valueStride: Int,
        _ headDim: Int, _ valueDim: Int, _ window: Int, _ scale: Float, _ scratch: UnsafeMutablePointer<Float>
    ) {
        attend(rows, rowIndex, positions, q, out, keys, keyStride, values, valueStride, headDim, valueDim, window,
               scale, scratch)
    }

    /// `attendRows` over F16 keys and values (bit patterns; strides in halves), widened by VCVTPH2PS as
    /// they stream: the same arithmetic on the converted values.
    @inline(never) public static func attendRowsF16(
        _ rows: Int, _ rowIndex: UnsafePointer<Int>, _ positions: UnsafePointer<Int>,
        _ q: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ keys: UnsafePointer<UInt16>, _ keyStride: Int, _ values: UnsafePointer<UInt16>, _ valueStride: Int,
        _ headDim: Int, _ valueDim: Int, _ window: Int, _ scale: Float, _ scratch: UnsafeMutablePointer<Float>
    ) {
        attend(rows, rowIndex, positions, q, out, keys, keyStride, values, valueStride, headDim, valueDim, window,
               scale, scratch)
    }

    @inline(__always) fileprivate static func attend<E: KVElement>(
        _ rows: Int, _ rowIndex: UnsafePointer<Int>, _ positions: UnsafePointer<Int>,
        _ q: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ keys: UnsafePointer<E>, _ keyStride: Int, _ values: UnsafePointer<E>, _ valueStride: Int,
        _ headDim: Int, _ valueDim: Int, _ window: Int, _ scale: Float, _ scratch: UnsafeMutablePointer<Float>
    ) {
        let bs = attentionBlock
        let acc = scratch, scores = scratch + 4 * valueDim
        acc.update(repeating: 0, count: 4 * valueDim)
        scores.update(repeating: 0, count: 4 * bs)
        func lo(_ r: Int) -> Int { window > 0 ? Swift.max(0, positions[r] - window + 1) : 0 }
        let last = Swift.max(0, rows - 1)
        // Rows past `rows` repeat the last row: computed, never stored.
        let q0 = q + rowIndex[0] * headDim, q1 = q + rowIndex[Swift.min(1, last)] * headDim
        let q2 = q + rowIndex[Swift.min(2, last)] * headDim, q3 = q + rowIndex[Swift.min(3, last)] * headDim
        var first = Int.max, end = Int.min
        for r in 0..<rows { first = Swift.min(first, lo(r)); end = Swift.max(end, positions[r]) }
        var m = SIMD4<Float>(repeating: -.infinity)
        var l = SIMD4<Double>(repeating: 0)

        var j0 = first
        while j0 <= end {
            let nb = Swift.min(bs, end - j0 + 1)
            // Scores of the block.
            scoreBlock(rows, q0, q1, q2, q3, keys + j0 * keyStride, keyStride, nb, headDim, scale, scores)
            // Online softmax: probabilities in place of the scores, zero outside each row's range (and for
            // the repeated rows past `rows`).
            for r in rows..<4 { (scores + r * bs).update(repeating: 0, count: nb) }
            for r in 0..<rows {
                let s = scores + r * bs
                let a = Swift.max(0, lo(r) - j0), b = Swift.min(nb, positions[r] - j0 + 1)
                if a >= b { s.update(repeating: 0, count: nb); continue }
                var bm = -Float.infinity
                for j in a..<b { bm = Swift.max(bm, s[j]) }
                let mNew = Swift.max(m[r], bm)
                let correction: Float = m[r] == -.infinity ? 0 : vfExp(vfSplat(m[r] - mNew))[0]
                if a > 0 { s.update(repeating: 0, count: a) }
                if b < nb { (s + b).update(repeating: 0, count: nb - b) }
                let sum = expSum(s + a, b - a, mNew)
                l[r] = l[r] * Double(correction) + sum
                m[r] = mNew
                if correction != 1 { scaleRow(acc + r * valueDim, valueDim, correction) }
            }
            // o_r += Σ_j p_rj · v_j.
            let v0 = values + j0 * valueStride
            if rows == 1 {
                accumulate1(acc, scores, v0, valueStride, nb, valueDim)
            } else {
                accumulate4(acc, scores, v0, valueStride, nb, valueDim)
            }
            j0 += bs
        }
        for r in 0..<rows {
            let o = out + rowIndex[r] * valueDim, a = acc + r * valueDim
            o.update(from: a, count: valueDim)
            scaleRow(o, valueDim, Float(1 / l[r]))
        }
    }

    /// Scores of `nb` keys from `k0` (rows past `rows` repeat the last query): `scores[r·block + j] =
    /// scale · q_r·k_j`. One row: four keys per step; more: the four rows against each key.
    @inline(never) fileprivate static func scoreBlock<E: KVElement>(
        _ rows: Int, _ q0: UnsafePointer<Float>, _ q1: UnsafePointer<Float>, _ q2: UnsafePointer<Float>,
        _ q3: UnsafePointer<Float>, _ k0: UnsafePointer<E>, _ keyStride: Int, _ nb: Int, _ headDim: Int,
        _ scale: Float, _ scores: UnsafeMutablePointer<Float>
    ) {
        let bs = attentionBlock
        if rows == 1 {
            var j = 0
            while j + 4 <= nb {
                let k = k0 + j * keyStride
                let s = dots4(q0, q0, q0, q0, k, k + keyStride, k + 2 * keyStride, k + 3 * keyStride, headDim) * scale
                scores[j] = s[0]; scores[j + 1] = s[1]; scores[j + 2] = s[2]; scores[j + 3] = s[3]
                j += 4
            }
            while j < nb {
                let k = k0 + j * keyStride
                scores[j] = dots4(q0, q0, q0, q0, k, k, k, k, headDim)[0] * scale
                j += 1
            }
        } else {
            for j in 0..<nb {
                let k = k0 + j * keyStride
                let s = dots4(q0, q1, q2, q3, k, k, k, k, headDim) * scale
                scores[j] = s[0]; scores[bs + j] = s[1]; scores[2 * bs + j] = s[2]; scores[3 * bs + j] = s[3]
            }
        }
    }

    /// Four rows: o_r += Σ_j p_rj · v_j for r < 4 (`p` rows `attentionBlock` apart, `o` rows n apart); each
    /// value vector is loaded once for the four rows.
    @inline(never) fileprivate static func accumulate4<E: KVElement>(
        _ o: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, _ v0: UnsafePointer<E>, _ stride: Int, _ nb: Int, _ n: Int
    ) {
        let bs = attentionBlock
        var i = 0
        while i < n {
            let k = Swift.min(vfLanes, n - i)
            let full = k == vfLanes
            @inline(__always) func load(_ q: UnsafePointer<Float>) -> VF { full ? vfLoad(q) : vfLoadFirst(q, k) }
            @inline(__always) func store(_ q: UnsafeMutablePointer<Float>, _ v: VF) { if full { vfStore(q, v) } else { vfStoreFirst(q, v, k) } }
            var o0 = load(o + i), o1 = load(o + n + i), o2 = load(o + 2 * n + i), o3 = load(o + 3 * n + i)
            for j in 0..<nb {
                let vp = v0 + j * stride + i
                let v = full ? E.vload(vp) : E.vloadFirst(vp, k)
                o0 = vfFMA(vfSplat(p[j]), v, o0)
                o1 = vfFMA(vfSplat(p[bs + j]), v, o1)
                o2 = vfFMA(vfSplat(p[2 * bs + j]), v, o2)
                o3 = vfFMA(vfSplat(p[3 * bs + j]), v, o3)
            }
            store(o + i, o0); store(o + n + i, o1); store(o + 2 * n + i, o2); store(o + 3 * n + i, o3)
            i += k
        }
    }

    /// One row: o += Σ_j p_j · v_j, four value vectors at a time (independent FMA chains).
    @inline(never) fileprivate static func accumulate1<E: KVElement>(
        _ o: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, _ v0: UnsafePointer<E>, _ stride: Int, _ nb: Int, _ n: Int
    ) {
        let w = 4 * vfLanes
        var i = 0
        while i + w <= n {
            var a0 = vfLoad(o + i), a1 = vfLoad(o + i + vfLanes)
            var a2 = vfLoad(o + i + 2 * vfLanes), a3 = vfLoad(o + i + 3 * vfLanes)
            for j in 0..<nb {
                let v = v0 + j * stride + i, pj = vfSplat(p[j])
                a0 = vfFMA(pj, E.vload(v), a0)
                a1 = vfFMA(pj, E.vload(v + vfLanes), a1)
                a2 = vfFMA(pj, E.vload(v + 2 * vfLanes), a2)
                a3 = vfFMA(pj, E.vload(v + 3 * vfLanes), a3)
            }
            vfStore(o + i, a0); vfStore(o + i + vfLanes, a1)
            vfStore(o + i + 2 * vfLanes, a2); vfStore(o + i + 3 * vfLanes, a3)
            i += w
        }
        while i < n {
            let k = Swift.min(vfLanes, n - i)
            var a = vfLoadFirst(o + i, k)
            for j in 0..<nb { a = vfFMA(vfSplat(p[j]), E.vloadFirst(v0 + j * stride + i, k), a) }
            vfStoreFirst(o + i, a, k)
            i += k
        }
    }
}
