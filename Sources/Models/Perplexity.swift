import Foundation

/// Perplexity the way `llama-perplexity` measures it: the tokens are cut into non-overlapping chunks
/// of `context` tokens (a shorter tail is dropped); each chunk runs from an empty cache; only the
/// second half is scored: logits at positions context/2 … context−2 predict the next token
/// (context/2 − 1 predictions a chunk). PPL = exp(mean negative log-likelihood).
public enum Perplexity {
    /// The result after each chunk.
    public struct Report: Sendable, Equatable {
        /// Running perplexity over chunks 1…i, one value per chunk.
        public var running: [Double]
        /// Number of scored predictions.
        public var predictions: Int
        public var final: Double { running.last ?? .nan }
    }

    /// - Parameters:
    ///   - tokens: the whole text's token ids.
    ///   - context: chunk length (512 in the goldens).
    ///   - bos: when set, the first token of every chunk is replaced by it (llama-perplexity does so
    ///     for models that add BOS).
    ///   - maxChunks: stop after this many chunks (nil: all).
    ///   - onChunk: called after each chunk with its index and the running perplexity (progress display).
    /// - Throws: the model's errors.
    public static func evaluate(model: any LanguageModel, tokens: [Int32], context: Int = 512, bos: Int32? = nil,
                                maxChunks: Int? = nil, onChunk: (Int, Double) -> Void = { _, _ in }) throws -> Report {
        var chunks = tokens.count / context
        if let maxChunks { chunks = min(chunks, maxChunks) }
        var nll = 0.0
        var count = 0
        var running: [Double] = []
        let cache = model.makeCache(maxTokens: context)
        for c in 0..<chunks {
            var chunk = Array(tokens[(c * context)..<((c + 1) * context)])
            if let bos { chunk[0] = bos }
            cache.reset()
            let logits = try model.forward(tokens: chunk, cache: cache, wantAllLogits: true, isPrompt: true)
            for i in (context / 2)..<(context - 1) {
                nll -= logSoftmax(logits.row(i), at: Int(chunk[i + 1]))
                count += 1
            }
            running.append(exp(nll / Double(count)))
            onChunk(c, running[c])
        }
        return Report(running: running, predictions: count)
    }

    /// log softmax(row)[index], in Double.
    static func logSoftmax(_ row: ArraySlice<Float>, at index: Int) -> Double {
        guard let m = row.max() else { return -.infinity }
        var sum = 0.0
        for v in row { sum += exp(Double(v - m)) }
        return Double(row[row.startIndex + index] - m) - log(sum)
    }
}
