import Checkpoint
import Kernels

/// The `llama` family (Llama 2/3, SmolLM, Mistral-style): pre-norm decoder blocks with RMSNorm,
/// RoPE on Q and K ("normal" adjacent-pair ordering; the converter permuted the rows for it),
/// grouped-query attention scaled by 1/√headDim, and a SwiGLU feed-forward:
///
///     h = x + Wo·attn(RoPE(Wq·n), RoPE(Wk·n), Wv·n)    n = rms(x)·attn_norm
///     x' = h + Wdown·(silu(Wgate·m) ⊙ Wup·m)            m = rms(h)·ffn_norm
///
/// The output head is `output.weight`, or the embedding table when that is absent (tied).
public final class LlamaModel: LanguageModel, @unchecked Sendable {
    public let config: ModelConfig
    /// F16 caches in fast mode, F32 in reference mode (`KVCache.Precision(mode:)`).
    public let cachePrecision: KVCache.Precision

    struct Layer {
        let attnNorm: [Float]          // d
        let attention: AttentionWeights
        let ffnNorm: [Float]           // d
        let gate: Linear               // ff × d
        let up: Linear                 // ff × d
        let down: Linear               // d × ff
    }

    let file: GGUFFile
    let embedding: Embedding           // vocab × d
    let layers: [Layer]
    let outputNorm: [Float]            // d
    let output: Linear                 // vocab × d
    let kind: AttentionKind
    let parallel: Parallel
    let profiler: Profiler?

    /// Loads a `llama` GGUF.
    /// - Throws: `ModelError` naming missing tensors, bad shapes or unsupported settings.
    public init(gguf: GGUFFile, options: LoadOptions) throws {
        let c = try ModelConfig(gguf: gguf)
        config = c
        cachePrecision = KVCache.Precision(mode: options.mode)
        file = gguf
        parallel = Parallel(threads: options.threads)
        profiler = options.profiler
        var w = WeightLoader(file: gguf, mode: options.mode)
        var layers: [Layer] = []
        for l in 0..<c.layerCount {
            let b = "blk.\(l)."
            layers.append(Layer(
                attnNorm: try w.vector(b + "attn_norm.weight", count: c.embeddingLength),
                attention: try AttentionWeights(&w, layer: l, config: c, headNorms: false),
                ffnNorm: try w.vector(b + "ffn_norm.weight", count: c.embeddingLength),
                gate: try w.linear(b + "ffn_gate.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
                up: try w.linear(b + "ffn_up.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
                down: try w.linear(b + "ffn_down.weight", rows: c.embeddingLength, cols: c.feedForwardLength)))
        }
        outputNorm = try w.vector("output_norm.weight", count: c.embeddingLength)
        let head = w.has("output.weight") ? "output.weight" : "token_embd.weight"
        output = try w.linear(head, rows: c.vocabularySize, cols: c.embeddingLength)
        let stored = w.has("rope_freqs.weight") ? try w.vector("rope_freqs.weight", count: c.ropeDimensions / 2) : nil
        try w.finish()
        self.layers = layers
        guard let embd = gguf.tensor(named: "token_embd.weight") else {
            throw ModelError.missingTensors(path: gguf.path, names: ["token_embd.weight"])
        }
        embedding = Embedding(file: gguf, info: embd, width: c.embeddingLength, count: c.vocabularySize)
        let scaling = try RopeScaling.read(gguf, arch: c.architecture)
        kind = AttentionKind(rope: scaling.rope(ordering: .normal, nRot: c.ropeDimensions, base: c.ropeBase, storedFactors: stored),
                             window: 0, scale: 1 / Float(c.headDim).squareRoot())
    }

    public func forward(batch sequences: [SequenceInput]) throws -> [Logits] {
        let c = config
        let batch = try Decoder.prepare(sequences, config: c)
        let t = batch.rows, d = c.embeddingLength
        let ws = Workspace(tokens: t, config: c, profiler: profiler)
        let prof = profiler
        prof?.start()
        try Decoder.embed(batch.tokens, embedding, scale: 1, into: ws.x)
        prof?.lap(.embedding)
        for (l, layer) in layers.enumerated() {
            Decoder.rmsNormRows(ws.x, layer.attnNorm, ws.h, rows: t, n: d, eps: c.rmsEpsilon)
            prof?.lap(.norm)
            Decoder.selfAttention(layer: l, layer.attention, kind, batch: batch, config: c, ws: ws, parallel: parallel)
            Decoder.add(ws.x, ws.tmp, count: t * d)
            prof?.lap(.residual)
            Decoder.rmsNormRows(ws.x, layer.ffnNorm, ws.h, rows: t, n: d, eps: c.rmsEpsilon)
            prof?.lap(.norm)
            Decoder.gatedFeedForward(gate: layer.gate, up: layer.up, down: layer.down, batch: batch, config: c, ws: ws,
                                     parallel: parallel) { Elementwise.swiglu($0, $1, count: $2) }
            Decoder.add(ws.x, ws.tmp, count: t * d)
            prof?.lap(.residual)
        }
        return Decoder.finish(ws: ws, batch: batch, norm: outputNorm, output: output,
                              config: c, softcap: 0, parallel: parallel)
    }
}
