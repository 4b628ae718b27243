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
    /// Checks every sequence's tokens and cache before anything is written, so a failed call leaves
    /// every cache as it was, and lays the sequences out as consecutive row segments.
    static func prepare(_ batch: [SequenceInput], config c: ModelConfig) throws -> Batch {
        guard !batch.isEmpty else { throw ModelError.emptyInput }
        var seen = Set<ObjectIdentifier>()
        var segments: [Segment] = []
        var row = 0
        for s in batch {
            let cache = s.cache
            guard seen.insert(ObjectIdentifier(cache)).inserted else { throw ModelError.cacheInBatchTwice }
            try check(s.tokens, cache: cache, config: c)
            segments.append(Segment(cache: cache, start: cache.count, count: s.tokens.count, row: row,
                                    outputRows: s.wantLogits ? (s.wantAllLogits ? s.tokens.count : 1) : 0,
                                    isPrompt: s.isPrompt))
            row += s.tokens.count
        }
        return Batch(segments: segments, tokens: batch.flatMap(\.tokens))
    }

    /// Throws unless every token is in the vocabulary and `cache` has room for all of them and fits the model.
    static func check(_ tokens: [Int32], cache: KVCache, config c: ModelConfig) throws {
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

    /// `y = x·Wᵀ` for every row of the batch. Decode rows take the one-row kernels and prompt rows the
    /// prefill panels, in as few calls as the layout allows, so a sequence's numbers do not depend on what else
    /// shares the batch, nor on how much of its prompt was already cached.
    static func project(_ w: Linear, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Batch,
                        parallel: Parallel) {
        for run in batch.runs {
            w.apply(x + run.row * w.cols, tokens: run.rows, y + run.row * w.rows, parallel: parallel, tiled: run.tiled)
        }
    }

    static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
        Elementwise.add(y, x, count: n)
    }

    /// The attention half of layer `l` for the normalized input `ws.h` (all rows of the batch); writes
    /// `d`-wide rows to `ws.tmp`. Projections run once over every row; RoPE, the cache append and the
    /// attention itself run per segment, against the segment's own cache and positions.
    static func selfAttention(layer l: Int, _ w: AttentionWeights, _ kind: AttentionKind, batch: Batch,
                              config c: ModelConfig, ws: Workspace, parallel: Parallel) {
        let hd = c.headDim, vd = c.valueDim
        let t = batch.rows
        let prof = ws.profiler
        project(w.q, ws.h, ws.q, batch: batch, parallel: parallel)
        prof?.lap(w.q)
        project(w.k, ws.h, ws.k, batch: batch, parallel: parallel)
        prof?.lap(w.k)
        project(w.v, ws.h, ws.v, batch: batch, parallel: parallel)
        prof?.lap(w.v)
        if let qn = w.qNorm { rmsNormRows(ws.q, qn, ws.q, rows: t * c.headCount, n: hd, eps: c.rmsEpsilon) }
        if let kn = w.kNorm { rmsNormRows(ws.k, kn, ws.k, rows: t * c.kvHeadCount, n: hd, eps: c.rmsEpsilon) }
        prof?.lap(.norm)
        // Per segment: RoPE at the sequence's own positions, then the append to its cache.
        let stores = batch.segments.map { $0.cache.rows(l) }
        for seg in batch.segments {
            for i in seg.row..<(seg.row + seg.count) {
                kind.rope.apply(queries: ws.q + i * c.headCount * hd, heads: c.headCount, keys: ws.k + i * c.keyWidth,
                                kvHeads: c.kvHeadCount, headDim: hd, pos: seg.start + i - seg.row)
            }
        }
        prof?.lap(.rope)
        for seg in batch.segments {
            seg.cache.write(layer: l, position: seg.start, rows: seg.count, keys: ws.k + seg.row * c.keyWidth,
                            values: ws.v + seg.row * c.valueWidth)
        }
        prof?.lap(.cache)

        let geometry = AttentionGeometry(heads: c.headCount, kvHeads: c.kvHeadCount, headDim: hd, valueDim: vd,
                                         keyStride: c.keyWidth, valueStride: c.valueWidth, window: kind.window, scale: kind.scale)
        let q = ws.q, att = ws.att, segments = batch.segments
        // Each segment's queries against its own sequence's keys (a one-token segment is a decode step).
        func attend(thread: Int, threads: Int) {
            for (seg, store) in zip(segments, stores) {
                Attention.causal(queries: q + seg.row * c.headCount * hd, kv: store,
                                 output: att + seg.row * c.headCount * vd, tokens: seg.count, start: seg.start,
                                 geometry: geometry, thread: thread, threads: threads)
            }
        }
        if segments.count == 1, let only = segments.first,
           Attention.isSmall(tokens: only.count, start: only.start, geometry: geometry) {
            attend(thread: 0, threads: 1)
        } else {
            parallel.run { thread, threads in attend(thread: thread, threads: threads) }
        }
        prof?.lap(.attention)
        project(w.o, ws.att, ws.tmp, batch: batch, parallel: parallel)
        prof?.lap(w.o)
    }

    /// The gated feed-forward half for the normalized input `ws.h`: gate and up projections,
    /// `activation(gate, up, count)` writing act(gate)·up into `ws.gate`, then the down projection into `ws.tmp`.
    static func gatedFeedForward(gate: Linear, up: Linear, down: Linear, batch: Batch, config c: ModelConfig,
                                 ws: Workspace, parallel: Parallel,
                                 activation: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void) {
        let prof = ws.profiler
        project(gate, ws.h, ws.gate, batch: batch, parallel: parallel)
        prof?.lap(gate)
        project(up, ws.h, ws.up, batch: batch, parallel: parallel)
        prof?.lap(up)
        activation(ws.gate, ws.up, batch.rows * c.feedForwardLength)
        prof?.lap(.activation)
        project(down, ws.gate, ws.tmp, batch: batch, parallel: parallel)
        prof?.lap(down)
    }

    /// Final norm and output projection of the rows each segment asked for (its last row, all, or none),
    /// in one product; then marks the new positions valid in every cache.
    static func finish(ws: Workspace, batch: Batch, norm: [Float], output: Linear,
                       config c: ModelConfig, softcap: Float, parallel: Parallel) -> [Logits] {
        let d = c.embeddingLength, vocab = c.vocabularySize
        var rows = 0
        for seg in batch.segments where seg.outputRows > 0 {
            let n = seg.outputRows
            rmsNormRows(ws.x + (seg.row + seg.count - n) * d, norm, ws.h + rows * d, rows: n, n: d, eps: c.rmsEpsilon)
            rows += n
        }
        ws.profiler?.lap(.norm)
        var values = [Float](repeating: 0, count: rows * vocab)
        values.withUnsafeMutableBufferPointer { out in
            guard let o = out.baseAddress else { return }
            var at = 0
            for run in batch.outputRuns {
                output.apply(ws.h + at * d, tokens: run.rows, o + at * vocab, parallel: parallel, tiled: run.tiled)
                at += run.rows
            }
            if softcap > 0 {
                for i in 0..<out.count { o[i] = softcap * Foundation.tanh(o[i] / softcap) }
            }
        }
        ws.profiler?.lap(.output)
        for seg in batch.segments { seg.cache.advance(by: seg.count) }
        if batch.segments.count == 1 { return [Logits(vocabularySize: vocab, positions: rows, values: values)] }
        var result: [Logits] = []
        var at = 0
        for seg in batch.segments {
            let n = seg.outputRows
            result.append(Logits(vocabularySize: vocab, positions: n, values: Array(values[(at * vocab)..<((at + n) * vocab)])))
            at += n
        }
        return result
    }
}

/// A run of consecutive batch rows that belong to one sequence.
struct Segment {
    let cache: KVCache
    /// Position of the segment's first row (the cache's length before the call).
    let start: Int
    /// Rows (new tokens) in the segment.
    let count: Int
    /// Index of the segment's first row in the batch.
    let row: Int
    /// Rows whose logits the caller wants: the last `outputRows` (0, 1 or `count`).
    let outputRows: Int
    /// Prompt rows take the prefill panels, decode rows the one-row kernels (`SequenceInput.isPrompt`).
    let isPrompt: Bool
}

/// The sequences of one forward call laid out row after row.
struct Batch {
    let segments: [Segment]
    /// Every new token, segment after segment.
    let tokens: [Int32]

    /// Consecutive rows that take one kernel family: decode steps or prompt chunks.
    struct Run {
        let row: Int
        var rows: Int
        let tiled: Bool
    }
    /// The batch's rows as runs (usually one or two).
    let runs: [Run]
    /// The same for the rows of the output head (each segment's last row, all its rows, or none).
    let outputRuns: [Run]

    init(segments: [Segment], tokens: [Int32]) {
        self.segments = segments
        self.tokens = tokens
        func merge(_ parts: [(rows: Int, tiled: Bool)]) -> [Run] {
            var runs: [Run] = [], row = 0
            for p in parts where p.rows > 0 {
                if let last = runs.last, last.tiled == p.tiled { runs[runs.count - 1].rows += p.rows }
                else { runs.append(Run(row: row, rows: p.rows, tiled: p.tiled)) }
                row += p.rows
            }
            return runs
        }
        runs = merge(segments.map { ($0.count, $0.isPrompt) })
        // The output head takes the one-row kernels for a segment's last row even in a prompt: a panel
        // decoded for one row (a vocabulary of them) costs more than it saves; all-rows prompts take panels.
        outputRuns = merge(segments.map { s in (s.outputRows, s.isPrompt && s.outputRows > 1) })
    }

    var rows: Int { tokens.count }
}

extension Profiler {
    /// Charges the time since the previous lap to a matrix product with `weights`' storage type.
    func lap(_ weights: Linear) { lap(.matmul(weights.quantizedType ?? .f32)) }
}
