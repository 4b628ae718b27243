import Checkpoint
import Foundation
import Kernels

// Building blocks shared by the decoder architectures (see `Decoder`).

/// Q/K/V/O projections of one layer. Shapes are `rows × cols` (ggml `[cols, rows]`).
struct AttentionWeights {
    let q: Linear        // (heads·headDim) × d
    let k: Linear        // (kvHeads·headDim) × d
    let v: Linear        // (kvHeads·valueDim) × d
    let o: Linear        // d × (heads·valueDim)
    let qNorm: [Float]?  // headDim (Gemma 3: RMSNorm per head before RoPE)
    let kNorm: [Float]?  // headDim

    init(_ w: inout WeightLoader, layer l: Int, config c: ModelConfig, headNorms: Bool) throws {
        let b = "blk.\(l)."
        q = try w.linear(b + "attn_q.weight", rows: c.headCount * c.headDim, cols: c.embeddingLength)
        k = try w.linear(b + "attn_k.weight", rows: c.kvHeadCount * c.headDim, cols: c.embeddingLength)
        v = try w.linear(b + "attn_v.weight", rows: c.kvHeadCount * c.valueDim, cols: c.embeddingLength)
        o = try w.linear(b + "attn_output.weight", rows: c.embeddingLength, cols: c.headCount * c.valueDim)
        qNorm = headNorms ? try w.vector(b + "attn_q_norm.weight", count: c.headDim) : nil
        kNorm = headNorms ? try w.vector(b + "attn_k_norm.weight", count: c.headDim) : nil
    }
}

/// How one layer attends: its RoPE, its window and the score scale.
struct AttentionKind {
    let rope: Rope
    /// 0: every earlier position; w > 0: a query at p sees keys p−w+1 … p.
    let window: Int
    let scale: Float
}

/// Scratch buffers for one forward call of `tokens` positions.
final class Workspace {
    let x, h, tmp, q, k, v, att, gate, up: UnsafeMutablePointer<Float>
    /// Per-op timing (`LoadOptions.profiler`); nil: hooks cost one nil check.
    let profiler: Profiler?
    private let all: [UnsafeMutablePointer<Float>]

    init(tokens t: Int, config c: ModelConfig, profiler: Profiler? = nil) {
        self.profiler = profiler
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            return p
        }
        x = make(t * c.embeddingLength)
        h = make(t * c.embeddingLength)
        tmp = make(t * c.embeddingLength)
        q = make(t * c.headCount * c.headDim)
        k = make(t * c.keyWidth)
        v = make(t * c.valueWidth)
        att = make(t * c.headCount * c.valueDim)
        gate = make(t * c.feedForwardLength)
        up = make(t * c.feedForwardLength)
        all = [x, h, tmp, q, k, v, att, gate, up]
    }

    deinit { all.forEach { $0.deallocate() } }
}

/// Building blocks shared by the decoder architectures: the self-attention half (projections,
/// optional per-head Q/K norms, RoPE, cache append, masked attention, output projection), input
/// checks, embedding lookup and the output head. Each architecture file composes them.
enum Decoder {
    /// Checks tokens and cache before anything is written, so a failed call leaves the cache as it was.
    static func validate(_ tokens: [Int32], cache: KVCache, config c: ModelConfig) throws {
        guard !tokens.isEmpty else { throw ModelError.emptyInput }
        guard cache.layers == c.layerCount, cache.keyWidth == c.keyWidth, cache.valueWidth == c.valueWidth else {
            throw ModelError.cacheMismatch(message: "cache has \(cache.layers) layers × \(cache.keyWidth)+\(cache.valueWidth) floats, model needs \(c.layerCount) × \(c.keyWidth)+\(c.valueWidth)")
        }
        for t in tokens where t < 0 || Int(t) >= c.vocabularySize {
            throw ModelError.invalidToken(id: t, vocabularySize: c.vocabularySize)
        }
        try cache.reserve(tokens.count)
    }

    static func embed(_ tokens: [Int32], _ e: Embedding, scale: Float, into x: UnsafeMutablePointer<Float>) throws {
        for (t, id) in tokens.enumerated() {
            try e.lookup(Int(id), scale: scale, into: x + t * e.width)
        }
    }

    /// RMSNorm of each of `rows` rows of `n` values.
    static func rmsNormRows(_ x: UnsafePointer<Float>, _ w: [Float], _ y: UnsafeMutablePointer<Float>,
                            rows: Int, n: Int, eps: Float) {
        w.withUnsafeBufferPointer { wb in
            for r in 0..<rows { Elementwise.rmsNorm(x + r * n, wb.baseAddress, y + r * n, count: n, eps: eps) }
        }
    }

    static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
        Elementwise.add(y, x, count: n)
    }

    /// The attention half of layer `l` for the normalized input `ws.h`; writes `d`-wide rows to `ws.tmp`.
    static func selfAttention(layer l: Int, _ w: AttentionWeights, _ kind: AttentionKind, tokens t: Int,
                              cache: KVCache, config c: ModelConfig, ws: Workspace, parallel: Parallel) {
        let hd = c.headDim, vd = c.valueDim
        let prof = ws.profiler
        w.q.apply(ws.h, tokens: t, ws.q, parallel: parallel)
        prof?.lap(w.q)
        w.k.apply(ws.h, tokens: t, ws.k, parallel: parallel)
        prof?.lap(w.k)
        w.v.apply(ws.h, tokens: t, ws.v, parallel: parallel)
        prof?.lap(w.v)
        if let qn = w.qNorm { rmsNormRows(ws.q, qn, ws.q, rows: t * c.headCount, n: hd, eps: c.rmsEpsilon) }
        if let kn = w.kNorm { rmsNormRows(ws.k, kn, ws.k, rows: t * c.kvHeadCount, n: hd, eps: c.rmsEpsilon) }
        prof?.lap(.norm)
        let start = cache.count
        let keys = cache.keys(l), values = cache.values(l)
        for i in 0..<t {
            kind.rope.apply(queries: ws.q + i * c.headCount * hd, heads: c.headCount, keys: ws.k + i * c.keyWidth,
                            kvHeads: c.kvHeadCount, headDim: hd, pos: start + i)
        }
        prof?.lap(.rope)
        (keys + start * c.keyWidth).update(from: ws.k, count: t * c.keyWidth)
        (values + start * c.valueWidth).update(from: ws.v, count: t * c.valueWidth)
        prof?.lap(.cache)

        let geometry = AttentionGeometry(heads: c.headCount, kvHeads: c.kvHeadCount, headDim: hd, valueDim: vd,
                                         keyStride: c.keyWidth, valueStride: c.valueWidth, window: kind.window, scale: kind.scale)
        let q = ws.q, att = ws.att
        if Attention.isSmall(tokens: t, start: start, geometry: geometry) {
            Attention.causal(queries: q, keys: keys, values: values, output: att, tokens: t, start: start,
                             geometry: geometry, thread: 0, threads: 1)
        } else {
            parallel.run { thread, threads in
                Attention.causal(queries: q, keys: keys, values: values, output: att, tokens: t, start: start,
                                 geometry: geometry, thread: thread, threads: threads)
            }
        }
        prof?.lap(.attention)
        w.o.apply(ws.att, tokens: t, ws.tmp, parallel: parallel)
        prof?.lap(w.o)
    }

    /// Final norm and output projection: the last row only, or every row.
    static func logits(ws: Workspace, tokens t: Int, wantAll: Bool, norm: [Float], output: Linear,
                       config c: ModelConfig, softcap: Float, parallel: Parallel) -> Logits {
        let d = c.embeddingLength
        let first = wantAll ? 0 : t - 1
        let rows = t - first
        rmsNormRows(ws.x + first * d, norm, ws.h, rows: rows, n: d, eps: c.rmsEpsilon)
        ws.profiler?.lap(.norm)
        var values = [Float](repeating: 0, count: rows * c.vocabularySize)
        values.withUnsafeMutableBufferPointer { out in
            guard let o = out.baseAddress else { return }
            output.apply(ws.h, tokens: rows, o, parallel: parallel)
            if softcap > 0 {
                for i in 0..<out.count { o[i] = softcap * Foundation.tanh(o[i] / softcap) }
            }
        }
        ws.profiler?.lap(.output)
        return Logits(vocabularySize: c.vocabularySize, positions: rows, values: values)
    }
}

extension Profiler {
    /// Charges the time since the previous lap to a matrix product with `weights`' storage type.
    func lap(_ weights: Linear) { lap(.matmul(weights.quantizedType ?? .f32)) }
}
