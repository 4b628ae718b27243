import Foundation
import Kernels

/// Activation buffers for one packed group of sequences (`tokens` = sum of lengths), allocated once
/// per group and reused by every layer.
struct BERTScratch {
    let starts: [Int]
    let lengths: [Int]
    let tokens: Int
    let x: UnsafeMutablePointer<Float>       // (tokens, hidden): the residual stream
    let qkv: UnsafeMutablePointer<Float>     // (tokens, 3·hidden): query | key | value per token
    let context: UnsafeMutablePointer<Float> // (tokens, hidden): attention output before projection
    let sum: UnsafeMutablePointer<Float>     // (tokens, hidden): sublayer output + residual
    let ffn: UnsafeMutablePointer<Float>     // (tokens, intermediate)
    let scores: UnsafeMutablePointer<Float>  // (maxLength, maxLength): one head's attention matrix

    init(config c: BERTConfig, lengths: [Int]) {
        var starts: [Int] = []
        var t = 0
        for n in lengths { starts.append(t); t += n }
        self.starts = starts
        self.lengths = lengths
        self.tokens = t
        let rows = max(1, t), h = c.hiddenSize
        let longest = max(1, lengths.max() ?? 1)
        x = .allocate(capacity: rows * h)
        qkv = .allocate(capacity: rows * 3 * h)
        context = .allocate(capacity: rows * h)
        sum = .allocate(capacity: rows * h)
        ffn = .allocate(capacity: rows * c.intermediateSize)
        scores = .allocate(capacity: longest * longest)
    }

    func deallocate() {
        for p in [x, qkv, context, sum, ffn, scores] { p.deallocate() }
    }
}

extension BERTModel {
    /// Runs `batch` and writes one pooled vector per sequence to `out` (`batch.count × hidden`).
    func forward(_ batch: [[Int32]], pooling: BERTPooling, into out: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        let scratch = BERTScratch(config: config, lengths: batch.map(\.count))
        defer { scratch.deallocate() }
        run(batch, scratch: scratch)
        for s in batch.indices {
            let v = out + s * h
            let n = scratch.lengths[s]
            guard n > 0 else { v.update(repeating: 0, count: h); continue }
            let rows = scratch.x + scratch.starts[s] * h
            switch pooling.mode {
            case .cls:
                v.update(from: rows, count: h)
            case .mean:
                // Mean over the sequence's tokens, summed in Double (lengths up to 512).
                for j in 0..<h {
                    var acc: Double = 0
                    for t in 0..<n { acc += Double(rows[t * h + j]) }
                    v[j] = Float(acc / Double(n))
                }
            }
            if pooling.normalize {
                var sq: Double = 0
                for j in 0..<h { sq += Double(v[j]) * Double(v[j]) }
                // sentence-transformers' Normalize divides by max(‖v‖, 1e-12).
                let inv = Float(1 / max(sq.squareRoot(), 1e-12))
                for j in 0..<h { v[j] *= inv }
            }
        }
    }

    /// The encoder: embeddings, then every layer; the last hidden states are left in `scratch.x`.
    func run(_ batch: [[Int32]], scratch s: BERTScratch) {
        let c = config, w = weights
        let h = c.hiddenSize, inter = c.intermediateSize, eps = c.layerNormEps
        let t = s.tokens
        guard t > 0 else { return }

        // Embeddings: word + absolute position + token type 0 (single-segment input), then LayerNorm.
        w.wordEmbeddings.withUnsafeBufferPointer { word in
        w.positionEmbeddings.withUnsafeBufferPointer { pos in
        w.typeEmbeddings.withUnsafeBufferPointer { type in
        w.embeddingNorm.withUnsafeBufferPointer { g in
        w.embeddingNormBias.withUnsafeBufferPointer { b in
            for (seq, ids) in batch.enumerated() {
                for (p, id) in ids.enumerated() {
                    let row = s.sum + (s.starts[seq] + p) * h
                    let we = word.baseAddress! + Int(id) * h
                    let pe = pos.baseAddress! + p * h
                    for j in 0..<h { row[j] = we[j] + pe[j] + type[j] }
                    LayerNorm.apply(row, s.x + (s.starts[seq] + p) * h, count: h,
                                    gamma: g.baseAddress!, beta: b.baseAddress!, eps: eps)
                }
            }
        } } } } }

        for layer in w.layers {
            // Q | K | V for every token in one GEMM.
            linear(s.x, rows: t, input: h, weight: layer.qkv, bias: layer.qkvBias, output: 3 * h, into: s.qkv)
            attention(s)
            // x = LN(x + Wo·ctx + bo)
            linear(s.context, rows: t, input: h, weight: layer.attentionOutput, bias: layer.attentionOutputBias,
                   output: h, into: s.sum)
            addAndNorm(s, gamma: layer.attentionNorm, beta: layer.attentionNormBias, eps: eps)
            // x = LN(x + W2·gelu(W1·x + b1) + b2)
            linear(s.x, rows: t, input: h, weight: layer.ffnUp, bias: layer.ffnUpBias, output: inter, into: s.ffn)
            ErfGELU.apply(s.ffn, count: t * inter)
            linear(s.ffn, rows: t, input: inter, weight: layer.ffnDown, bias: layer.ffnDownBias, output: h,
                   into: s.sum)
            addAndNorm(s, gamma: layer.outputNorm, beta: layer.outputNormBias, eps: eps)
        }
    }

    /// `y[rows × output] = x[rows × input] · Wᵀ + b`, W row-major `(output, input)`.
    func linear(_ x: UnsafeMutablePointer<Float>, rows: Int, input: Int, weight: [Float], bias: [Float],
                output: Int, into y: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { wb in
            GEMM.blas(m: rows, n: output, k: input, a: x, lda: input, b: wb.baseAddress!, ldb: input,
                      bTransposed: true, c: y, ldc: output)
        }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = y + r * output
                for j in 0..<output { row[j] += b[j] }
            }
        }
    }

    /// `x = LN(sum + x)` row by row (`sum` holds the sublayer output).
    func addAndNorm(_ s: BERTScratch, gamma: [Float], beta: [Float], eps: Float) {
        let h = config.hiddenSize
        gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { b in
            for r in 0..<s.tokens {
                let row = s.sum + r * h, xr = s.x + r * h
                for j in 0..<h { row[j] += xr[j] }
                LayerNorm.apply(row, xr, count: h, gamma: g.baseAddress!, beta: b.baseAddress!, eps: eps)
            }
        } }
    }

    /// Multi-head self-attention of each sequence over its own tokens:
    /// `context_h = softmax(Q_h K_hᵀ / √d) V_h` per head `h`, heads written side by side.
    func attention(_ s: BERTScratch) {
        let h = config.hiddenSize, d = config.headDim, ld = 3 * h
        let scale = 1 / Float(d).squareRoot()
        for seq in s.lengths.indices {
            let n = s.lengths[seq]
            guard n > 0 else { continue }
            let base = s.qkv + s.starts[seq] * ld
            for head in 0..<config.headCount {
                let q = base + head * d, k = base + h + head * d, v = base + 2 * h + head * d
                // scores (n × n) = Q Kᵀ
                GEMM.blas(m: n, n: n, k: d, a: q, lda: ld, b: k, ldb: ld, bTransposed: true, c: s.scores, ldc: n)
                for i in 0..<n {
                    let row = s.scores + i * n
                    var m = -Float.infinity
                    for j in 0..<n { row[j] *= scale; m = max(m, row[j]) }
                    var total: Float = 0
                    for j in 0..<n { row[j] = exp(row[j] - m); total += row[j] }
                    let inv = 1 / total
                    for j in 0..<n { row[j] *= inv }
                }
                // context (n × d) = P V, into this head's columns.
                GEMM.blas(m: n, n: d, k: n, a: s.scores, lda: n, b: v, ldb: ld, bTransposed: false,
                          c: s.context + s.starts[seq] * h + head * d, ldc: h)
            }
        }
    }
}
