import Checkpoint
import Kernels

/// Gemma 3 (`gemma3`): a decoder with sandwich norms, per-head Q/K RMSNorm, GELU-tanh gated FFN and
/// local sliding-window layers interleaved with global ones:
///
///     x₀ = embed · √d
///     h  = x + post_attn_norm(Wo·attn(RoPE(qnorm(Wq·n)), RoPE(knorm(Wk·n)), Wv·n))    n = rms(x)·attn_norm
///     x' = h + post_ffw_norm(Wdown·(gelu_tanh(Wgate·m) ⊙ Wup·m))                      m = rms(h)·ffn_norm
///
/// Conventions (as llama.cpp and its converter have them): norm weights are used as stored (the
/// converter already added Gemma's +1); RoPE is NeoX-ordered; the score scale is 1/√headDim
/// (1/√(d/heads) for the 62-layer 27B); layer l slides unless l % p == p − 1 for the period p in
/// `attention.sliding_window_pattern` (default 6), or as a per-layer bool list says; sliding layers
/// use `rope.freq_base_swa` (default 10000) without scaling, global layers `rope.freq_base` with the
/// file's rope scaling; the output head is tied; `final_logit_softcapping` applies when present.
public final class Gemma3Model: LanguageModel, @unchecked Sendable {
    public let config: ModelConfig
    /// F16 caches in fast mode, F32 in reference mode (`KVCache.Precision(mode:)`).
    public let cachePrecision: KVCache.Precision

    struct Layer {
        let attnNorm: [Float]          // d
        let attention: AttentionWeights
        let postAttnNorm: [Float]      // d
        let ffnNorm: [Float]           // d
        let gate: Linear               // ff × d
        let up: Linear                 // ff × d
        let down: Linear               // d × ff
        let postFfnNorm: [Float]       // d
        let kind: AttentionKind
    }

    let file: GGUFFile
    let embedding: Embedding           // vocab × d
    let embeddingScale: Float          // √d
    let layers: [Layer]
    let outputNorm: [Float]            // d
    let output: Linear                 // vocab × d
    let softcap: Float
    let parallel: Parallel
    let profiler: Profiler?

    /// Which layers use the sliding window (true) for `layers` layers.
    static func slidingLayers(_ g: GGUFFile, arch: String, layers: Int) -> [Bool] {
        let window = g.metadata["\(arch).attention.sliding_window"]?.int ?? 0
        if window == 0 { return Array(repeating: false, count: layers) }
        let key = "\(arch).attention.sliding_window_pattern"
        if let list = g.metadata[key]?.array, list.count == layers {
            return list.map { $0.bool ?? false }
        }
        let period = g.metadata[key]?.int ?? 6
        return (0..<layers).map { period == 0 || $0 % period < period - 1 }
    }

    /// Loads a `gemma3` GGUF.
    /// - Throws: `ModelError` naming missing tensors, bad shapes or unsupported settings.
    public init(gguf: GGUFFile, options: LoadOptions) throws {
        let c = try ModelConfig(gguf: gguf)
        config = c
        cachePrecision = KVCache.Precision(mode: options.mode)
        file = gguf
        parallel = Parallel(threads: options.threads)
        profiler = options.profiler
        let arch = c.architecture
        let m = gguf.metadata
        let window = m["\(arch).attention.sliding_window"]?.int ?? 0
        let sliding = Self.slidingLayers(gguf, arch: arch, layers: c.layerCount)
        let scaling = try RopeScaling.read(gguf, arch: arch)
        let localBase = m["\(arch).rope.freq_base_swa"]?.double ?? 10000
        let scale = 1 / Float(c.layerCount == 62 ? c.embeddingLength / c.headCount : c.headDim).squareRoot()
        let global = AttentionKind(rope: scaling.rope(ordering: .neox, nRot: c.ropeDimensions, base: c.ropeBase, storedFactors: nil),
                                   window: 0, scale: scale)
        let local = AttentionKind(rope: Rope(ordering: .neox, nRot: c.ropeDimensions, base: localBase),
                                  window: window, scale: scale)

        var w = WeightLoader(file: gguf, mode: options.mode)
        var layers: [Layer] = []
        for l in 0..<c.layerCount {
            let b = "blk.\(l)."
            layers.append(Layer(
                attnNorm: try w.vector(b + "attn_norm.weight", count: c.embeddingLength),
                attention: try AttentionWeights(&w, layer: l, config: c, headNorms: true),
                postAttnNorm: try w.vector(b + "post_attention_norm.weight", count: c.embeddingLength),
                ffnNorm: try w.vector(b + "ffn_norm.weight", count: c.embeddingLength),
                gate: try w.linear(b + "ffn_gate.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
                up: try w.linear(b + "ffn_up.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
                down: try w.linear(b + "ffn_down.weight", rows: c.embeddingLength, cols: c.feedForwardLength),
                postFfnNorm: try w.vector(b + "post_ffw_norm.weight", count: c.embeddingLength),
                kind: sliding[l] ? local : global))
        }
        outputNorm = try w.vector("output_norm.weight", count: c.embeddingLength)
        let head = w.has("output.weight") ? "output.weight" : "token_embd.weight"
        output = try w.linear(head, rows: c.vocabularySize, cols: c.embeddingLength)
        try w.finish()
        self.layers = layers
        guard let embd = gguf.tensor(named: "token_embd.weight") else {
            throw ModelError.missingTensors(path: gguf.path, names: ["token_embd.weight"])
        }
        embedding = Embedding(file: gguf, info: embd, width: c.embeddingLength, count: c.vocabularySize)
        embeddingScale = Float(c.embeddingLength).squareRoot()
        softcap = Float(m["\(arch).final_logit_softcapping"]?.double ?? 0)
    }

    public func forward(batch sequences: [SequenceInput]) throws -> [Logits] {
        let c = config
        let batch = try Decoder.prepare(sequences, config: c)
        let t = batch.rows, d = c.embeddingLength
        let ws = Workspace(tokens: t, config: c, profiler: profiler)
        let prof = profiler
        prof?.start()
        try Decoder.embed(batch.tokens, embedding, scale: embeddingScale, into: ws.x)
        prof?.lap(.embedding)
        for (l, layer) in layers.enumerated() {
            Decoder.rmsNormRows(ws.x, layer.attnNorm, ws.h, rows: t, n: d, eps: c.rmsEpsilon)
            prof?.lap(.norm)
            Decoder.selfAttention(layer: l, layer.attention, layer.kind, batch: batch, config: c, ws: ws, parallel: parallel)
            Decoder.rmsNormRows(ws.tmp, layer.postAttnNorm, ws.tmp, rows: t, n: d, eps: c.rmsEpsilon)
            prof?.lap(.norm)
            Decoder.add(ws.x, ws.tmp, count: t * d)
            prof?.lap(.residual)
            Decoder.rmsNormRows(ws.x, layer.ffnNorm, ws.h, rows: t, n: d, eps: c.rmsEpsilon)
            prof?.lap(.norm)
            Decoder.gatedFeedForward(gate: layer.gate, up: layer.up, down: layer.down, batch: batch, config: c, ws: ws,
                                     parallel: parallel) { Elementwise.geluTanhGate($0, $1, count: $2) }
            Decoder.rmsNormRows(ws.tmp, layer.postFfnNorm, ws.tmp, rows: t, n: d, eps: c.rmsEpsilon)
            prof?.lap(.norm)
            Decoder.add(ws.x, ws.tmp, count: t * d)
            prof?.lap(.residual)
        }
        return Decoder.finish(ws: ws, batch: batch, norm: outputNorm, output: output,
                              config: c, softcap: softcap, parallel: parallel)
    }
}
