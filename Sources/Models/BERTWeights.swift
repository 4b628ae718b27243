import Foundation
import Checkpoint
import Kernels

/// One tensor role of a BERT encoder, with its Hugging Face and GGUF (llama.cpp convert) names.
/// `{L}` stands for the layer index. Shapes are row-major, `[out, in]` for linear weights.
enum BERTTensor: CaseIterable {
    case wordEmbeddings, positionEmbeddings, typeEmbeddings, embeddingNorm, embeddingNormBias
    case query, queryBias, key, keyBias, value, valueBias, attentionOutput, attentionOutputBias
    case attentionNorm, attentionNormBias, ffnUp, ffnUpBias, ffnDown, ffnDownBias, outputNorm, outputNormBias

    var huggingFace: String {
        switch self {
        case .wordEmbeddings: return "embeddings.word_embeddings.weight"
        case .positionEmbeddings: return "embeddings.position_embeddings.weight"
        case .typeEmbeddings: return "embeddings.token_type_embeddings.weight"
        case .embeddingNorm: return "embeddings.LayerNorm.weight"
        case .embeddingNormBias: return "embeddings.LayerNorm.bias"
        case .query: return "encoder.layer.{L}.attention.self.query.weight"
        case .queryBias: return "encoder.layer.{L}.attention.self.query.bias"
        case .key: return "encoder.layer.{L}.attention.self.key.weight"
        case .keyBias: return "encoder.layer.{L}.attention.self.key.bias"
        case .value: return "encoder.layer.{L}.attention.self.value.weight"
        case .valueBias: return "encoder.layer.{L}.attention.self.value.bias"
        case .attentionOutput: return "encoder.layer.{L}.attention.output.dense.weight"
        case .attentionOutputBias: return "encoder.layer.{L}.attention.output.dense.bias"
        case .attentionNorm: return "encoder.layer.{L}.attention.output.LayerNorm.weight"
        case .attentionNormBias: return "encoder.layer.{L}.attention.output.LayerNorm.bias"
        case .ffnUp: return "encoder.layer.{L}.intermediate.dense.weight"
        case .ffnUpBias: return "encoder.layer.{L}.intermediate.dense.bias"
        case .ffnDown: return "encoder.layer.{L}.output.dense.weight"
        case .ffnDownBias: return "encoder.layer.{L}.output.dense.bias"
        case .outputNorm: return "encoder.layer.{L}.output.LayerNorm.weight"
        case .outputNormBias: return "encoder.layer.{L}.output.LayerNorm.bias"
        }
    }

    var gguf: String {
        switch self {
        case .wordEmbeddings: return "token_embd.weight"
        case .positionEmbeddings: return "position_embd.weight"
        case .typeEmbeddings: return "token_types.weight"
        case .embeddingNorm: return "token_embd_norm.weight"
        case .embeddingNormBias: return "token_embd_norm.bias"
        case .query: return "blk.{L}.attn_q.weight"
        case .queryBias: return "blk.{L}.attn_q.bias"
        case .key: return "blk.{L}.attn_k.weight"
        case .keyBias: return "blk.{L}.attn_k.bias"
        case .value: return "blk.{L}.attn_v.weight"
        case .valueBias: return "blk.{L}.attn_v.bias"
        case .attentionOutput: return "blk.{L}.attn_output.weight"
        case .attentionOutputBias: return "blk.{L}.attn_output.bias"
        case .attentionNorm: return "blk.{L}.attn_output_norm.weight"
        case .attentionNormBias: return "blk.{L}.attn_output_norm.bias"
        case .ffnUp: return "blk.{L}.ffn_up.weight"
        case .ffnUpBias: return "blk.{L}.ffn_up.bias"
        case .ffnDown: return "blk.{L}.ffn_down.weight"
        case .ffnDownBias: return "blk.{L}.ffn_down.bias"
        case .outputNorm: return "blk.{L}.layer_output_norm.weight"
        case .outputNormBias: return "blk.{L}.layer_output_norm.bias"
        }
    }

    /// The row-major shape the configuration implies.
    func shape(_ c: BERTConfig) -> [Int] {
        let h = c.hiddenSize
        switch self {
        case .wordEmbeddings: return [c.vocabSize, h]
        case .positionEmbeddings: return [c.maxPositions, h]
        case .typeEmbeddings: return [c.typeVocabSize, h]
        case .query, .key, .value, .attentionOutput: return [h, h]
        case .ffnUp: return [c.intermediateSize, h]
        case .ffnDown: return [h, c.intermediateSize]
        case .ffnUpBias: return [c.intermediateSize]
        default: return [h]
        }
    }
}

/// One encoder layer, all F32, row-major.
struct BERTLayerWeights: Sendable {
    var qkv: [Float]            // (3·hidden, hidden): query, key, value weights stacked by rows
    var qkvBias: [Float]        // (3·hidden)
    var attentionOutput: [Float]  // (hidden, hidden)
    var attentionOutputBias: [Float]  // (hidden)
    var attentionNorm: [Float], attentionNormBias: [Float]  // (hidden)
    var ffnUp: [Float]          // (intermediate, hidden)
    var ffnUpBias: [Float]      // (intermediate)
    var ffnDown: [Float]        // (hidden, intermediate)
    var ffnDownBias: [Float]    // (hidden)
    var outputNorm: [Float], outputNormBias: [Float]  // (hidden)
}

/// All weights of a BERT encoder, dequantized to F32 at load (MiniLM-L6 is 90 MB; GEMM wants F32).
struct BERTWeights: Sendable {
    var wordEmbeddings: [Float]      // (vocab, hidden)
    var positionEmbeddings: [Float]  // (maxPositions, hidden)
    var typeEmbeddings: [Float]      // (typeVocab, hidden)
    var embeddingNorm: [Float], embeddingNormBias: [Float]  // (hidden)
    var layers: [BERTLayerWeights]

    /// Loads every role through `read(name, expectedRowMajorShape)`, which returns the F32 values or nil
    /// when the tensor is absent. `names` maps a role to the checkpoint's name.
    init(config c: BERTConfig, path: String, names: (BERTTensor) -> String,
         read: (String) throws -> (shape: [Int], values: [Float])?) throws {
        func load(_ role: BERTTensor, layer: Int? = nil) throws -> [Float] {
            var name = names(role)
            if let layer { name = name.replacingOccurrences(of: "{L}", with: String(layer)) }
            guard let (shape, values) = try read(name) else { throw BERTError.missingTensor(path: path, name: name) }
            let expected = role.shape(c)
            guard shape == expected else {
                throw BERTError.badShape(path: path, name: name, expected: expected, actual: shape)
            }
            return values
        }
        wordEmbeddings = try load(.wordEmbeddings)
        positionEmbeddings = try load(.positionEmbeddings)
        typeEmbeddings = try load(.typeEmbeddings)
        embeddingNorm = try load(.embeddingNorm)
        embeddingNormBias = try load(.embeddingNormBias)
        layers = try (0..<c.layerCount).map { l in
            BERTLayerWeights(
                qkv: try load(.query, layer: l) + load(.key, layer: l) + load(.value, layer: l),
                qkvBias: try load(.queryBias, layer: l) + load(.keyBias, layer: l) + load(.valueBias, layer: l),
                attentionOutput: try load(.attentionOutput, layer: l),
                attentionOutputBias: try load(.attentionOutputBias, layer: l),
                attentionNorm: try load(.attentionNorm, layer: l),
                attentionNormBias: try load(.attentionNormBias, layer: l),
                ffnUp: try load(.ffnUp, layer: l), ffnUpBias: try load(.ffnUpBias, layer: l),
                ffnDown: try load(.ffnDown, layer: l), ffnDownBias: try load(.ffnDownBias, layer: l),
                outputNorm: try load(.outputNorm, layer: l), outputNormBias: try load(.outputNormBias, layer: l))
        }
    }

    /// From a Hugging Face folder (`BertModel` names, or the same under a `bert.` prefix).
    init(folder: HuggingFaceFolder, config: BERTConfig) throws {
        let prefix = folder.tensor(named: BERTTensor.wordEmbeddings.huggingFace) == nil
            && folder.tensor(named: "bert." + BERTTensor.wordEmbeddings.huggingFace) != nil ? "bert." : ""
        try self.init(config: config, path: folder.path, names: { prefix + $0.huggingFace }) { name in
            guard let t = folder.tensor(named: name) else { return nil }
            guard let info = t.ggmlInfo else {
                throw BERTError.checkpoint("\(folder.path): tensor '\(name)' has dtype \(t.dtype.rawValue); BERT weights must be F32, F16 or BF16")
            }
            return (t.shape, try Self.floats(info, folder.data(of: t)))
        }
    }

    /// From a GGUF file written by llama.cpp's converter (ggml shapes are reversed to row-major here).
    /// A fused `blk.N.attn_qkv` is split back into query, key and value rows.
    init(gguf: GGUFFile, config: BERTConfig) throws {
        let h = config.hiddenSize
        try self.init(config: config, path: gguf.path, names: { $0.gguf }) { name in
            if let t = gguf.tensor(named: name) {
                return (t.shape.reversed(), try Self.floats(t, gguf.data(of: t)))
            }
            // Fused QKV: rows [0, h) are the query, [h, 2h) the key, [2h, 3h) the value.
            let parts = [".attn_q.", ".attn_k.", ".attn_v."]
            guard let part = parts.firstIndex(where: { name.contains($0) }) else { return nil }
            let fusedName = name.replacingOccurrences(of: parts[part], with: ".attn_qkv.")
            guard let t = gguf.tensor(named: fusedName) else { return nil }
            let all = try Self.floats(t, gguf.data(of: t))
            let isBias = name.hasSuffix(".bias")
            let rowLength = isBias ? 1 : h
            guard all.count == 3 * h * rowLength else {
                throw BERTError.badShape(path: gguf.path, name: fusedName, expected: isBias ? [3 * h] : [3 * h, h],
                                         actual: t.shape.reversed())
            }
            let slice = Array(all[(part * h * rowLength)..<((part + 1) * h * rowLength)])
            return (isBias ? [h] : [h, h], slice)
        }
    }

    static func floats(_ info: TensorInfo, _ data: UnsafeRawBufferPointer) throws -> [Float] {
        do { return try Dequantize.toF32(info, data: data) } catch {
            throw BERTError.checkpoint(String(describing: error))
        }
    }
}
