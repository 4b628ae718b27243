import Checkpoint

/// How token vectors become one sentence vector (sentence-transformers' Pooling and Normalize modules).
public struct BERTPooling: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        /// Mean over the sequence's tokens ([CLS] and [SEP] included).
        case mean
        /// The first token's ([CLS]) hidden state.
        case cls
    }
    public var mode: Mode
    /// L2-normalize the pooled vector.
    public var normalize: Bool

    public init(mode: Mode = .mean, normalize: Bool = true) {
        self.mode = mode
        self.normalize = normalize
    }
}

/// BERT hyperparameters. Hugging Face `config.json` keys / GGUF `bert.*` keys are given per field.
public struct BERTConfig: Sendable, Equatable {
    /// `vocab_size` / rows of `token_embd`.
    public var vocabSize: Int
    /// `hidden_size` / `bert.embedding_length`.
    public var hiddenSize: Int
    /// `intermediate_size` / `bert.feed_forward_length`.
    public var intermediateSize: Int
    /// `num_hidden_layers` / `bert.block_count`.
    public var layerCount: Int
    /// `num_attention_heads` / `bert.attention.head_count`.
    public var headCount: Int
    /// `max_position_embeddings` / `bert.context_length`.
    public var maxPositions: Int
    /// `type_vocab_size` / rows of `token_types` (default 2).
    public var typeVocabSize: Int
    /// `layer_norm_eps` / `bert.attention.layer_norm_epsilon` (default 1e-12).
    public var layerNormEps: Float
    public var pooling: BERTPooling
    /// Longest input the embedding model is meant for, in tokens with [CLS]/[SEP]: `max_seq_length`
    /// of sentence_bert_config.json (256 for MiniLM), else `maxPositions`. Tokenizers truncate to it.
    public var maxSequenceLength: Int

    public var headDim: Int { hiddenSize / headCount }

    public init(vocabSize: Int, hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int,
                maxPositions: Int, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12,
                pooling: BERTPooling = BERTPooling()) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.pooling = pooling
        self.maxSequenceLength = maxPositions
    }

    /// Reads `config.json` and the sentence-transformers files beside it (`modules.json`,
    /// `<pooling dir>/config.json`). Without `modules.json` the model is pooled by mean, normalized.
    /// - Throws: `BERTError` for another architecture, a missing or invalid key, or an unsupported
    ///   position embedding type, activation or pooling mode.
    public init(folder: HuggingFaceFolder) throws {
        let path = folder.path + "/config.json"
        let c = folder.config
        if let type = c["model_type"] as? String, type != "bert" {
            throw BERTError.wrongArchitecture(path: path, found: type)
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = c[key] as? Int { return v }
            if let d = c[key] as? Double, d.rounded() == d { return Int(d) }
            if c[key] == nil, let value { return value }
            throw BERTError.badConfig(path: path, key: key, message: "is missing or not an integer")
        }
        if let positions = c["position_embedding_type"] as? String, positions != "absolute" {
            throw BERTError.unsupported(path: path, feature: "position_embedding_type", value: positions)
        }
        if let act = c["hidden_act"] as? String, act != "gelu" {
            throw BERTError.unsupported(path: path, feature: "hidden_act", value: act)
        }
        var eps: Float = 1e-12
        if let e = c["layer_norm_eps"] {
            guard let d = (e as? Double) ?? (e as? Int).map(Double.init) else {
                throw BERTError.badConfig(path: path, key: "layer_norm_eps", message: "is not a number")
            }
            eps = Float(d)
        }
        self.init(vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
                  intermediateSize: try int("intermediate_size"), layerCount: try int("num_hidden_layers"),
                  headCount: try int("num_attention_heads"), maxPositions: try int("max_position_embeddings"),
                  typeVocabSize: try int("type_vocab_size", default: 2), layerNormEps: eps,
                  pooling: try Self.pooling(folder: folder))
        try validate(path: path)
        if let st = try folder.json("sentence_bert_config.json") as? [String: Any], let n = st["max_seq_length"] as? Int {
            guard n >= 1 else {
                throw BERTError.badConfig(path: folder.path + "/sentence_bert_config.json", key: "max_seq_length",
                                          message: "must be positive, got \(n)")
            }
            maxSequenceLength = min(n, maxPositions)
        }
    }

    /// Reads the `bert.*` metadata of a GGUF file. Pooling follows `bert.pooling_type` (1 mean, 2 CLS;
    /// default mean); GGUF has no normalize flag, so vectors are L2-normalized as llama.cpp does by default.
    public init(gguf: GGUFFile) throws {
        let path = gguf.path
        guard gguf.architecture == "bert" else {
            throw BERTError.wrongArchitecture(path: path, found: gguf.architecture ?? "(none)")
        }
        func int(_ key: String) throws -> Int {
            guard let v = gguf.metadata["bert." + key]?.int else {
                throw BERTError.badConfig(path: path, key: "bert." + key, message: "is missing or not an integer")
            }
            return v
        }
        if gguf.metadata["bert.attention.causal"]?.bool == true {
            throw BERTError.unsupported(path: path, feature: "bert.attention.causal", value: "true")
        }
        let vocab = gguf.tensor(named: "token_embd.weight")?.shape.last
            ?? gguf.metadata["tokenizer.ggml.tokens"]?.array?.count
        guard let vocab else { throw BERTError.missingTensor(path: path, name: "token_embd.weight") }
        let types = gguf.tensor(named: "token_types.weight")?.shape.last ?? 2
        var pooling = BERTPooling()
        if let p = gguf.metadata["bert.pooling_type"]?.int {
            switch p {
            case 1: pooling.mode = .mean
            case 2: pooling.mode = .cls
            default: throw BERTError.unsupported(path: path, feature: "bert.pooling_type", value: String(p))
            }
        }
        let eps = gguf.metadata["bert.attention.layer_norm_epsilon"]?.double.map(Float.init) ?? 1e-12
        self.init(vocabSize: vocab, hiddenSize: try int("embedding_length"),
                  intermediateSize: try int("feed_forward_length"), layerCount: try int("block_count"),
                  headCount: try int("attention.head_count"), maxPositions: try int("context_length"),
                  typeVocabSize: types, layerNormEps: eps, pooling: pooling)
        try validate(path: path)
    }

    func validate(path: String) throws {
        for (key, v) in [("hidden size", hiddenSize), ("intermediate size", intermediateSize),
                         ("layer count", layerCount), ("head count", headCount), ("positions", maxPositions),
                         ("vocabulary size", vocabSize), ("token types", typeVocabSize)] where v <= 0 {
            throw BERTError.badConfig(path: path, key: key, message: "must be positive, got \(v)")
        }
        guard hiddenSize % headCount == 0 else {
            throw BERTError.badConfig(path: path, key: "num_attention_heads",
                                      message: "(\(headCount)) does not divide the hidden size \(hiddenSize)")
        }
        guard layerNormEps > 0, layerNormEps.isFinite else {
            throw BERTError.badConfig(path: path, key: "layer_norm_eps", message: "must be positive, got \(layerNormEps)")
        }
    }

    /// sentence-transformers' modules: a Pooling module's folder config picks mean or CLS; a Normalize
    /// module turns on L2 normalization.
    static func pooling(folder: HuggingFaceFolder) throws -> BERTPooling {
        guard let modules = try folder.json("modules.json") as? [[String: Any]] else { return BERTPooling() }
        var pooling = BERTPooling(mode: .mean, normalize: false)
        for module in modules {
            let type = module["type"] as? String ?? ""
            if type.hasSuffix(".Normalize") {
                pooling.normalize = true
            } else if type.hasSuffix(".Pooling"), let dir = module["path"] as? String {
                let configPath = dir.isEmpty ? "config.json" : dir + "/config.json"
                guard let p = try folder.json(configPath) as? [String: Any] else {
                    throw BERTError.badConfig(path: folder.path + "/" + configPath, key: "pooling_mode_*",
                                              message: "is missing: the Pooling module needs its config.json")
                }
                let on = { (key: String) in (p[key] as? Bool) ?? ((p[key] as? Int).map { $0 != 0 } ?? false) }
                let modes = ["pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
                             "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                             "pooling_mode_lasttoken"].filter(on)
                switch modes {
                case ["pooling_mode_cls_token"]: pooling.mode = .cls
                case ["pooling_mode_mean_tokens"]: pooling.mode = .mean
                default:
                    throw BERTError.unsupported(path: folder.path + "/" + configPath, feature: "pooling",
                                                value: modes.isEmpty ? "none" : modes.joined(separator: "+"))
                }
            } else if !type.hasSuffix(".Transformer") {
                throw BERTError.unsupported(path: folder.path + "/modules.json", feature: "module", value: type)
            }
        }
        return pooling
    }
}
