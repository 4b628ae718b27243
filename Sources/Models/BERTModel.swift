import Checkpoint
import Dispatch
import Kernels

/// A BERT encoder producing sentence embeddings (e.g. all-MiniLM-L6-v2).
///
/// Post-norm transformer: `x = LN(word[id] + position[p] + type[0])`, then per layer
/// `x = LN(x + Attention(x))`, `x = LN(x + W2 · gelu(W1 x + b1) + b2)`; the sentence vector is the mean
/// (or [CLS]) of the last hidden states, optionally L2-normalized.
///
/// Batches are packed: each sequence attends only to its own tokens, and the linear layers run on
/// all tokens of the batch at once. This equals padding to the longest sequence with an attention
/// mask (padded keys get probability 0, padded rows are never pooled) without computing padded rows.
public final class BERTModel: Sendable {
    public let config: BERTConfig
    let weights: BERTWeights

    init(config: BERTConfig, weights: BERTWeights) {
        self.config = config
        self.weights = weights
    }

    /// Loads a Hugging Face folder (config.json, model.safetensors, sentence-transformers files).
    /// - Throws: `BERTError` for an unsupported configuration, a missing tensor or a shape mismatch.
    public convenience init(folder: HuggingFaceFolder) throws {
        let config = try BERTConfig(folder: folder)
        try self.init(config: config, weights: BERTWeights(folder: folder, config: config))
    }

    /// Loads a GGUF file of architecture `bert` (any type `Dequantize` reads).
    /// - Throws: `BERTError` for an unsupported configuration, a missing tensor or a shape mismatch.
    public convenience init(gguf: GGUFFile) throws {
        let config = try BERTConfig(gguf: gguf)
        try self.init(config: config, weights: BERTWeights(gguf: gguf, config: config))
    }

    /// Loads a `.gguf` file or a Hugging Face folder.
    public convenience init(path: String) throws {
        if HuggingFaceFolder.looksLikeFolder(path) {
            try self.init(folder: HuggingFaceFolder(path: path))
        } else {
            try self.init(gguf: GGUFFile(path: path))
        }
    }

    /// The embedding width (hidden size).
    public var dimension: Int { config.hiddenSize }

    /// Embeds one batch of token-id sequences (with [CLS]/[SEP] already added), one vector per sequence.
    ///
    /// - Parameters:
    ///   - batch: token ids per sequence; an empty sequence gives a zero vector.
    ///   - threads: worker threads; the batch is split into that many groups of about equal token count.
    ///   - pooling: overrides the model's pooling (from 1_Pooling/config.json and modules.json).
    /// - Returns: `batch.count` vectors of `dimension` floats, in input order.
    /// - Throws: `BERTError.tokenOutOfRange` or `.sequenceTooLong` before any work is done.
    public func encode(batch: [[Int32]], threads: Int = 1, pooling: BERTPooling? = nil) throws -> [[Float]] {
        for ids in batch { try validate(ids) }
        let pooling = pooling ?? config.pooling
        let h = config.hiddenSize
        let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, batch.count * h))
        defer { out.deallocate() }
        out.initialize(repeating: 0)
        let groups = Self.split(batch.map(\.count), into: max(1, threads))
        nonisolated(unsafe) let outBase = out.baseAddress!
        DispatchQueue.concurrentPerform(iterations: groups.count) { g in
            let range = groups[g]
            forward(Array(batch[range]), pooling: pooling, into: outBase + range.lowerBound * h)
        }
        return (0..<batch.count).map { Array(out[($0 * h)..<(($0 + 1) * h)]) }
    }

    /// Embeds any number of sequences: sorts them by length so each batch of `batchSize` holds similar
    /// lengths (as sentence-transformers does), encodes batch by batch, returns vectors in input order.
    public func embed(_ sequences: [[Int32]], batchSize: Int = 32, threads: Int = 1,
                      pooling: BERTPooling? = nil) throws -> [[Float]] {
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var result = [[Float]](repeating: [], count: sequences.count)
        var start = 0
        while start < order.count {
            let idx = Array(order[start..<min(order.count, start + max(1, batchSize))])
            let vectors = try encode(batch: idx.map { sequences[$0] }, threads: threads, pooling: pooling)
            for (i, v) in zip(idx, vectors) { result[i] = v }
            start += idx.count
        }
        return result
    }

    /// The last hidden states of one sequence, `(ids.count, hidden)` row-major (before pooling).
    public func hiddenStates(_ ids: [Int32]) throws -> [Float] {
        try validate(ids)
        var states = [Float](repeating: 0, count: ids.count * config.hiddenSize)
        states.withUnsafeMutableBufferPointer { buf in
            let scratch = BERTScratch(config: config, lengths: [ids.count])
            run([ids], scratch: scratch)
            if let base = buf.baseAddress { base.update(from: scratch.x, count: buf.count) }
            scratch.deallocate()
        }
        return states
    }

    func validate(_ ids: [Int32]) throws {
        guard ids.count <= config.maxPositions else {
            throw BERTError.sequenceTooLong(length: ids.count, maximum: config.maxPositions)
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw BERTError.tokenOutOfRange(id: bad, vocabSize: config.vocabSize)
        }
    }

    /// Contiguous groups of sequences with roughly equal token counts (attention makes cost grow a bit
    /// faster than linearly; equal tokens is close enough at sentence lengths).
    static func split(_ lengths: [Int], into parts: Int) -> [Range<Int>] {
        guard !lengths.isEmpty else { return [] }
        let parts = min(parts, lengths.count)
        let total = max(1, lengths.reduce(0, +))
        var ranges: [Range<Int>] = []
        var start = 0, seen = 0
        for (i, n) in lengths.enumerated() {
            seen += n
            let remainingParts = parts - ranges.count - 1
            let target = total * (ranges.count + 1) / parts
            if remainingParts > 0, seen >= target, lengths.count - (i + 1) >= remainingParts {
                ranges.append(start..<(i + 1))
                start = i + 1
            }
        }
        if start < lengths.count { ranges.append(start..<lengths.count) }
        return ranges
    }
}
