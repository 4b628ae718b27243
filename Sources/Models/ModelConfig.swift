import Checkpoint

/// Hyperparameters shared by the decoder architectures, read from `<arch>.*` GGUF keys.
public struct ModelConfig: Sendable, Equatable {
    /// `general.architecture`.
    public var architecture: String
    public var vocabularySize: Int
    /// `<arch>.context_length`: the longest sequence the model was trained for.
    public var contextLength: Int
    /// `<arch>.embedding_length` (d).
    public var embeddingLength: Int
    /// `<arch>.block_count`.
    public var layerCount: Int
    /// `<arch>.attention.head_count`.
    public var headCount: Int
    /// `<arch>.attention.head_count_kv` (defaults to head_count).
    public var kvHeadCount: Int
    /// `<arch>.attention.key_length` (defaults to d / head_count).
    public var headDim: Int
    /// `<arch>.attention.value_length` (defaults to headDim).
    public var valueDim: Int
    /// `<arch>.feed_forward_length`.
    public var feedForwardLength: Int
    /// `<arch>.attention.layer_norm_rms_epsilon`.
    public var rmsEpsilon: Float
    /// `<arch>.rope.dimension_count` (defaults to headDim).
    public var ropeDimensions: Int
    /// `<arch>.rope.freq_base` (default 10000).
    public var ropeBase: Double

    /// Reads the keys above from `gguf` (vocabulary size from the embedding tensor).
    /// - Throws: `ModelError.badMetadata` for a missing required key or impossible values.
    public init(gguf: GGUFFile) throws {
        let path = gguf.path
        guard let arch = gguf.architecture else {
            throw ModelError.badMetadata(path: path, key: "general.architecture", message: "is missing")
        }
        architecture = arch
        func required(_ key: String) throws -> Int {
            guard let v = gguf.metadata["\(arch).\(key)"]?.int, v > 0 else {
                throw ModelError.badMetadata(path: path, key: "\(arch).\(key)", message: "is missing or not a positive integer")
            }
            return v
        }
        func optional(_ key: String, _ fallback: Int) -> Int { gguf.metadata["\(arch).\(key)"]?.int ?? fallback }
        embeddingLength = try required("embedding_length")
        layerCount = try required("block_count")
        headCount = try required("attention.head_count")
        feedForwardLength = try required("feed_forward_length")
        contextLength = optional("context_length", 2048)
        kvHeadCount = optional("attention.head_count_kv", headCount)
        headDim = optional("attention.key_length", embeddingLength / headCount)
        valueDim = optional("attention.value_length", headDim)
        ropeDimensions = optional("rope.dimension_count", headDim)
        ropeBase = gguf.metadata["\(arch).rope.freq_base"]?.double ?? 10000
        guard let eps = gguf.metadata["\(arch).attention.layer_norm_rms_epsilon"]?.double else {
            throw ModelError.badMetadata(path: path, key: "\(arch).attention.layer_norm_rms_epsilon", message: "is missing")
        }
        rmsEpsilon = Float(eps)
        guard kvHeadCount > 0, headCount % kvHeadCount == 0 else {
            throw ModelError.badMetadata(path: path, key: "\(arch).attention.head_count_kv",
                                         message: "is \(kvHeadCount); it must divide head_count \(headCount)")
        }
        guard ropeDimensions % 2 == 0, ropeDimensions <= headDim else {
            throw ModelError.badMetadata(path: path, key: "\(arch).rope.dimension_count",
                                         message: "is \(ropeDimensions); it must be even and at most the head size \(headDim)")
        }
        guard let embd = gguf.tensor(named: "token_embd.weight") else {
            throw ModelError.missingTensors(path: path, names: ["token_embd.weight"])
        }
        guard embd.shape.count == 2, embd.shape[0] == embeddingLength else {
            throw ModelError.badShape(path: path, tensor: "token_embd.weight", expected: [embeddingLength, -1], actual: embd.shape)
        }
        vocabularySize = embd.shape[1]
    }

    /// Width of one position of the K cache (kv heads × head size).
    public var keyWidth: Int { kvHeadCount * headDim }
    /// Width of one position of the V cache.
    public var valueWidth: Int { kvHeadCount * valueDim }
}
