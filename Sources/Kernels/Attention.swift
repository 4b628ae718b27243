import Foundation
import KernelsAVX2
import KernelsAVX512

/// The shape of one layer's attention over a KV cache: `heads` query heads share `kvHeads` key/value
/// heads (grouped-query attention, head h reads KV head h / (heads / kvHeads)).
public struct AttentionGeometry: Sendable, Equatable {
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var valueDim: Int
    /// Floats from one position's keys to the next (the cache's key width); KV head g starts at g·headDim.
    public var keyStride: Int
    /// Floats from one position's values to the next; KV head g starts at g·valueDim.
    public var valueStride: Int
    /// 0: a query at position p sees every key 0…p; w > 0: only p − w + 1 … p.
    public var window: Int
    /// Score scale (usually 1/√headDim).
    public var scale: Float

    public init(heads: Int, kvHeads: Int, headDim: Int, valueDim: Int, keyStride: Int, valueStride: Int,
                window: Int, scale: Float) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.valueDim = valueDim
        self.keyStride = keyStride
        self.valueStride = valueStride
        self.window = window
        self.scale = scale
    }

    /// First key position a query at `position` sees.
    @inline(__always) public func firstKey(_ position: Int) -> Int { window > 0 ? max(0, position - window + 1) : 0 }
}

/// One layer's cached keys and values as attention reads them: F32, or F16 bit patterns (IEEE binary16)
/// widened to F32 as they are read. Both point at position 0; strides are in elements.
public enum KVRows {
    case f32(keys: UnsafePointer<Float>, values: UnsafePointer<Float>)
    case f16(keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>)
}

/// Causal multi-head attention over cached keys and values.
///
/// Work is split in tiles of up to four query rows that share a KV head (the group's heads of one token,
/// then the next token's), so each key and value row is loaded once per tile; tiles go to threads
/// round-robin, which balances the causal triangle. SIMD paths stream keys in blocks with an online
/// softmax (flash-attention style); the scalar path runs `referenceRow` per row. Keys and values are F32 or
/// F16 (`KVRows`); F16 elements are widened exactly as they are read (VCVTPH2PS, or `halfBitsToFloat`).
public enum Attention {
    /// Attention for `tokens` query rows at positions `start ..< start + tokens` against cache positions
    /// 0 … p (each row's own position p included); this thread's share of `threads`.
    /// - Parameters:
    ///   - queries: tokens × heads × headDim (token-major).
    ///   - keys: the layer's cached keys, position-major rows of `keyStride` floats.
    ///   - values: the layer's cached values, rows of `valueStride` floats.
    ///   - output: tokens × heads × valueDim.
    public static func causal(queries: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>, tokens: Int, start: Int, geometry g: AttentionGeometry,
                              thread: Int, threads: Int, path: KernelPath = .current) {
        causal(queries: queries, kv: .f32(keys: keys, values: values), output: output, tokens: tokens, start: start,
               geometry: g, thread: thread, threads: threads, path: path)
    }

    /// `causal` over keys and values of either element type (`KVRows`); the F16 kernels widen each
    /// element exactly and then do the F32 kernels' arithmetic.
    public static func causal(queries: UnsafePointer<Float>, kv: KVRows, output: UnsafeMutablePointer<Float>,
                              tokens: Int, start: Int, geometry g: AttentionGeometry,
                              thread: Int, threads: Int, path: KernelPath = .current) {
        let group = g.heads / g.kvHeads
        let rowsPerKV = tokens * group
        // Four-row tiles when there are enough of them to keep every thread busy; else one row each.
        let tile = g.kvHeads * ((rowsPerKV + 3) / 4) >= 4 * threads ? 4 : 1
        let tilesPerKV = (rowsPerKV + tile - 1) / tile
        let units = g.kvHeads * tilesPerKV
        let scratchCount = path == .scalar ? start + tokens : AVX2.attentionScratch(valueDim: g.valueDim)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 8) { ints in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, scratchCount)) { scratchBuffer in
                guard let idx = ints.baseAddress, let scratch = scratchBuffer.baseAddress else { return }
                let pos = idx + 4
                var u = thread
                while u < units {
                    let kvHead = u % g.kvHeads, first = (u / g.kvHeads) * tile
                    let rows = min(tile, rowsPerKV - first)
                    for r in 0..<rows {
                        let k = first + r, token = k / group
                        idx[r] = token * g.heads + kvHead * group + k % group
                        pos[r] = start + token
                    }
                    let ko = kvHead * g.headDim, vo = kvHead * g.valueDim
                    switch (kv, path) {
                    case (.f32(let keys, let values), .scalar):
                        for r in 0..<rows {
                            referenceRow(query: queries + idx[r] * g.headDim, keys: keys + ko, values: values + vo,
                                         position: pos[r], geometry: g, output: output + idx[r] * g.valueDim, scores: scratch)
                        }
                    case (.f16(let keys, let values), .scalar):
                        for r in 0..<rows {
                            referenceRow(query: queries + idx[r] * g.headDim, keys: keys + ko, values: values + vo,
                                         position: pos[r], geometry: g, output: output + idx[r] * g.valueDim, scores: scratch)
                        }
                    case (.f32(let keys, let values), .avx2):
                        AVX2.attendRows(rows, idx, pos, queries, output, keys + ko, g.keyStride, values + vo, g.valueStride,
                                        g.headDim, g.valueDim, g.window, g.scale, scratch)
                    case (.f16(let keys, let values), .avx2):
                        AVX2.attendRowsF16(rows, idx, pos, queries, output, keys + ko, g.keyStride, values + vo, g.valueStride,
                                           g.headDim, g.valueDim, g.window, g.scale, scratch)
                    case (.f32(let keys, let values), .avx512):
                        AVX512.attendRows(rows, idx, pos, queries, output, keys + ko, g.keyStride, values + vo, g.valueStride,
                                          g.headDim, g.valueDim, g.window, g.scale, scratch)
                    case (.f16(let keys, let values), .avx512):
                        AVX512.attendRowsF16(rows, idx, pos, queries, output, keys + ko, g.keyStride, values + vo,
                                             g.valueStride, g.headDim, g.valueDim, g.window, g.scale, scratch)
                    }
                    u += threads
                }
            }
        }
    }

    /// Whether the whole call is cheaper on one thread than waking workers (decoding at short context):
    /// fewer than 2¹⁷ multiply-adds in the scores, a few microseconds of SIMD work.
    public static func isSmall(tokens: Int, start: Int, geometry g: AttentionGeometry) -> Bool {
        tokens * g.heads * (start + tokens) * g.headDim < 1 << 17
    }

    /// Scalar reference for one query row: scores s_j = scale · q·k_j for j in firstKey(p) … p, softmax
    /// (denominator in Double), out = Σ_j p_j v_j. `keys`/`values` are offset to the row's KV head;
    /// `scores` holds at least p + 1 floats.
    public static func referenceRow(query q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                    position p: Int, geometry g: AttentionGeometry, output out: UnsafeMutablePointer<Float>,
                                    scores s: UnsafeMutablePointer<Float>) {
        let lo = g.firstKey(p)
        for j in lo...p {
            s[j - lo] = Elementwise.dot(q, keys + j * g.keyStride, count: g.headDim) * g.scale
        }
        Elementwise.softmax(s, count: p - lo + 1, path: .scalar)
        out.update(repeating: 0, count: g.valueDim)
        for j in lo...p {
            let pj = s[j - lo]
            let v = values + j * g.valueStride
            for d in 0..<g.valueDim { out[d] += pj * v[d] }
        }
    }

    /// `referenceRow` over F16 keys and values (bit patterns), each widened exactly by `halfBitsToFloat`;
    /// the dot products sum in `Elementwise.dot`'s order.
    public static func referenceRow(query q: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
                                    position p: Int, geometry g: AttentionGeometry, output out: UnsafeMutablePointer<Float>,
                                    scores s: UnsafeMutablePointer<Float>) {
        let lo = g.firstKey(p), n = g.headDim
        for j in lo...p {
            let k = keys + j * g.keyStride
            var a = SIMD8<Float>()
            var i = 0
            while i + 8 <= n {
                for l in 0..<8 { a[l] += q[i + l] * halfBitsToFloat(k[i + l]) }
                i += 8
            }
            while i < n { a[0] += q[i] * halfBitsToFloat(k[i]); i += 1 }
            s[j - lo] = (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) * g.scale
        }
        Elementwise.softmax(s, count: p - lo + 1, path: .scalar)
        out.update(repeating: 0, count: g.valueDim)
        for j in lo...p {
            let pj = s[j - lo]
            let v = values + j * g.valueStride
            for d in 0..<g.valueDim { out[d] += pj * halfBitsToFloat(v[d]) }
        }
    }
}
