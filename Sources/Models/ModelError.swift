import Checkpoint

/// Everything that can go wrong loading or running a language model. Each case says what to do.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// `general.architecture` names an architecture with no implementation.
    case unsupportedArchitecture(String, supported: [String])
    /// The file lacks tensors the architecture needs (all of them are listed).
    case missingTensors(path: String, names: [String])
    /// A tensor's shape does not match what the metadata implies (shapes in ggml order).
    case badShape(path: String, tensor: String, expected: [Int], actual: [Int])
    /// A metadata key is missing or invalid.
    case badMetadata(path: String, key: String, message: String)
    /// A feature the file asks for is not implemented.
    case unsupported(path: String, message: String)
    /// The prompt (plus what the cache already holds) does not fit in the cache.
    case contextFull(needed: Int, capacity: Int)
    /// A token id outside the vocabulary.
    case invalidToken(id: Int32, vocabularySize: Int)
    /// A cache made for another model shape was passed in.
    case cacheMismatch(message: String)
    /// `forward` was called with no tokens.
    case emptyInput
    /// One batched forward was given the same cache for two sequences.
    case cacheInBatchTwice

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let a, let supported):
            return "architecture '\(a)' is not supported; supported architectures: \(supported.joined(separator: ", "))"
        case .missingTensors(let path, let names):
            let shown = names.prefix(8).joined(separator: ", ")
            let more = names.count > 8 ? " and \(names.count - 8) more" : ""
            return "\(path): missing tensors \(shown)\(more); the file is incomplete or not the architecture it declares"
        case .badShape(let path, let tensor, let expected, let actual):
            return "\(path): tensor '\(tensor)' has shape \(actual), expected \(expected); the metadata and weights disagree"
        case .badMetadata(let path, let key, let message):
            return "\(path): metadata '\(key)' \(message)"
        case .unsupported(let path, let message):
            return "\(path): \(message)"
        case .contextFull(let needed, let capacity):
            return "the input needs \(needed) tokens of context but the cache holds \(capacity); shorten the prompt or use a larger context"
        case .invalidToken(let id, let n):
            return "token id \(id) is outside the vocabulary (0..<\(n))"
        case .cacheMismatch(let message):
            return "KV cache does not fit this model: \(message); make the cache with this model's makeCache"
        case .emptyInput:
            return "forward needs at least one token"
        case .cacheInBatchTwice:
            return "the same KV cache appears twice in one batched forward; give each sequence its own cache (makeCache)"
        }
    }
}
