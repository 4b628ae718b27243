// Shared by KernelsAVX2 and KernelsAVX512: causal attention of up to four query rows against a KV cache,
// flash-attention style (keys in blocks, online softmax), written once against the target's lane primitives.
// The scalar reference and the work split live in Kernels/Attention.swift.
import _Builtin_intrinsics.intel

/// Keys per block of the online softmax: the block's scores (4 × 64 floats) stay in L1 beside the
/// accumulators while the block's K and V rows are read once for all rows of the tile.
@inline(__always) var attentionBlock: Int { 64 }

/// Four dot products Σ a_r[i]·b_r[i] over n values (the tile's rows against one key, or one row against
/// four keys); four independent FMA chains.
@inline(__always) func dots4(_ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>,
                             _ a3: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                             _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int) -> SIMD4<Float> {
    var s0 = vfZero(), s1 = s0, s2 = s0, s3 = s0
    forEachVector(n) { i, k in
        s0 = vfFMA(vfLoad(a0 + i, k), vfLoad(b0 + i, k), s0)
        s1 = vfFMA(vfLoad(a1 + i, k), vfLoad(b1 + i, k), s1)
        s2 = vfFMA(vfLoad(a2 + i, k), vfLoad(b2 + i, k), s2)
        s3 = vfFMA(vfLoad(a3 + i, k), vfLoad(b3 + i, k), s3)
    }
    return SIMD4(vfSum(s0), vfSum(s1), vfSum(s2), vfSum(s3))
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
            if rows == 1 {
                var j = 0
                while j + 4 <= nb {
                    let k = keys + (j0 + j) * keyStride
                    let s = dots4(q0, q0, q0, q0, k, k + keyStride, k + 2 * keyStride, k + 3 * keyStride, headDim)
                    scores[j] = s[0] * scale; scores[j + 1] = s[1] * scale
                    scores[j + 2] = s[2] * scale; scores[j + 3] = s[3] * scale
                    j += 4
                }
                while j < nb {
                    let k = keys + (j0 + j) * keyStride
                    scores[j] = dots4(q0, q0, q0, q0, k, k, k, k, headDim)[0] * scale
                    j += 1
                }
            } else {
                for j in 0..<nb {
                    let k = keys + (j0 + j) * keyStride
                    let s = dots4(q0, q1, q2, q3, k, k, k, k, headDim) * scale
                    scores[j] = s[0]; scores[bs + j] = s[1]; scores[2 * bs + j] = s[2]; scores[3 * bs + j] = s[3]
                }
            }
            // Online softmax: probabilities in place of the scores, zero outside each row's range.
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
                if correction != 1 {
                    let c = vfSplat(correction), o = acc + r * valueDim
                    forEachVector(valueDim) { i, k in vfStore(o + i, vfLoad(o + i, k) * c, k) }
                }
            }
            // o_r += Σ_j p_rj · v_j.
            let v0 = values + j0 * valueStride
            if rows == 1 {
                accumulate1(acc, scores, v0, valueStride, nb, valueDim)
            } else {
                forEachVector(valueDim) { i, k in
                    var o0 = vfLoad(acc + i, k), o1 = vfLoad(acc + valueDim + i, k)
                    var o2 = vfLoad(acc + 2 * valueDim + i, k), o3 = vfLoad(acc + 3 * valueDim + i, k)
                    for j in 0..<nb {
                        let v = vfLoad(v0 + j * valueStride + i, k)
                        o0 = vfFMA(vfSplat(scores[j]), v, o0)
                        o1 = vfFMA(vfSplat(scores[bs + j]), v, o1)
                        o2 = vfFMA(vfSplat(scores[2 * bs + j]), v, o2)
                        o3 = vfFMA(vfSplat(scores[3 * bs + j]), v, o3)
                    }
                    vfStore(acc + i, o0, k); vfStore(acc + valueDim + i, o1, k)
                    vfStore(acc + 2 * valueDim + i, o2, k); vfStore(acc + 3 * valueDim + i, o3, k)
                }
            }
            j0 += bs
        }
        for r in 0..<rows {
            let o = out + rowIndex[r] * valueDim, a = acc + r * valueDim
            let inv = vfSplat(Float(1 / l[r]))
            forEachVector(valueDim) { i, k in vfStore(o + i, vfLoad(a + i, k) * inv, k) }
        }
    }

    /// One row: o += Σ_j p_j · v_j, four value vectors at a time (independent FMA chains).
    @inline(__always) static func accumulate1(_ o: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>,
                                              _ v0: UnsafePointer<Float>, _ stride: Int, _ nb: Int, _ n: Int) {
        let w = 4 * vfLanes
        var i = 0
        while i + w <= n {
            var a0 = vfLoad(o + i), a1 = vfLoad(o + i + vfLanes)
            var a2 = vfLoad(o + i + 2 * vfLanes), a3 = vfLoad(o + i + 3 * vfLanes)
            for j in 0..<nb {
                let v = v0 + j * stride + i, pj = vfSplat(p[j])
                a0 = vfFMA(pj, vfLoad(v), a0)
                a1 = vfFMA(pj, vfLoad(v + vfLanes), a1)
                a2 = vfFMA(pj, vfLoad(v + 2 * vfLanes), a2)
                a3 = vfFMA(pj, vfLoad(v + 3 * vfLanes), a3)
            }
            vfStore(o + i, a0); vfStore(o + i + vfLanes, a1)
            vfStore(o + i + 2 * vfLanes, a2); vfStore(o + i + 3 * vfLanes, a3)
            i += w
        }
        while i < n {
            let k = Swift.min(vfLanes, n - i)
            var a = vfLoad(o + i, k)
            for j in 0..<nb { a = vfFMA(vfSplat(p[j]), vfLoad(v0 + j * stride + i, k), a) }
            vfStore(o + i, a, k)
            i += k
        }
    }
}
