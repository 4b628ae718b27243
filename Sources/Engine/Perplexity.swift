import Foundation
import Models

/// Perplexity by llama-perplexity's method: the text is cut into non-overlapping chunks of `context`
/// tokens, each evaluated from an empty cache; only the second half of each chunk is scored (every
/// scored token has at least `context/2` tokens of history), so a chunk gives `context − 1 − context/2`
/// predictions. When the model adds BOS, the first token of each chunk is replaced by BOS.
///
/// PPL = exp(mean over scored positions of −log p(token[i+1] | token[…i])).
public struct PerplexityRunner {
    public let model: any LanguageModel
    public let context: Int
    public let bos: Int32?

    public init(model: any LanguageModel, context: Int, bos: Int32?) {
        self.model = model
        self.context = context
        self.bos = bos
    }

    /// Number of whole chunks `tokens` gives.
    public func chunkCount(tokens: Int) -> Int { tokens / context }

    /// Scores chunks in order, calling `onChunk(index, runningPPL)` after each; stops after `maxChunks`.
    /// - Returns: the final perplexity, chunks scored, and tokens scored.
    public func run(tokens: [Int32], maxChunks: Int? = nil, isCancelled: () -> Bool = { false },
                    onChunk: (Int, Double) -> Void) throws -> (ppl: Double, chunks: Int, scored: Int) {
        guard context >= 4 else { throw EngineError.invalidParameter("--ctx must be at least 4 for perplexity, got \(context)") }
        let total = min(chunkCount(tokens: tokens.count), maxChunks ?? Int.max)
        guard total > 0 else {
            throw EngineError.invalidParameter("the text has \(tokens.count) tokens, fewer than one chunk of \(context); use a longer text or a smaller --ctx")
        }
        let cache = model.makeCache(maxTokens: context)
        var nll: Double = 0
        var count = 0
        let first = context / 2
        for c in 0..<total {
            if isCancelled() { throw EngineError.cancelled }
            var chunk = Array(tokens[(c * context)..<((c + 1) * context)])
            if let bos { chunk[0] = bos }
            cache.reset()
            let logits = try model.forward(tokens: chunk, cache: cache, wantAllLogits: true)
            for i in first..<(context - 1) {
                let row = logits.row(i)
                let m = row.max() ?? 0
                var sum: Double = 0
                for x in row { sum += exp(Double(x - m)) }
                let target = Int(chunk[i + 1])
                nll += Double(m) + log(sum) - Double(row[row.startIndex + target])
                count += 1
            }
            onChunk(c, exp(nll / Double(count)))
        }
        return (exp(nll / Double(count)), total, count)
    }
}
