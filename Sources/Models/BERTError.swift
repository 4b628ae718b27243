import Checkpoint

/// What can stop a BERT encoder from loading or running. Each case names the file and what to do.
public enum BERTError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint is another architecture.
    case wrongArchitecture(path: String, found: String)
    /// A hyperparameter the encoder needs is missing or invalid.
    case badConfig(path: String, key: String, message: String)
    /// A valid configuration this implementation does not run (e.g. relative position embeddings).
    case unsupported(path: String, feature: String, value: String)
    /// A tensor is missing or its shape disagrees with the configuration.
    case missingTensor(path: String, name: String)
    case badShape(path: String, name: String, expected: [Int], actual: [Int])
    /// A token id outside the vocabulary, or a sequence longer than the position table.
    case tokenOutOfRange(id: Int32, vocabSize: Int)
    case sequenceTooLong(length: Int, maximum: Int)
    /// The checkpoint bytes could not be read (type without a dequantizer, malformed file).
    case checkpoint(String)

    public var description: String {
        switch self {
        case .wrongArchitecture(let path, let found):
            return "\(path): architecture is '\(found)', not 'bert'; load it with the matching model"
        case .badConfig(let path, let key, let message):
            return "\(path): '\(key)' \(message)"
        case .unsupported(let path, let feature, let value):
            return "\(path): \(feature) '\(value)' is not supported by Owl's BERT encoder"
        case .missingTensor(let path, let name):
            return "\(path): tensor '\(name)' is missing; the checkpoint is incomplete or not a BERT encoder"
        case .badShape(let path, let name, let expected, let actual):
            return "\(path): tensor '\(name)' has shape \(actual), expected \(expected) from the configuration"
        case .tokenOutOfRange(let id, let vocabSize):
            return "token id \(id) is outside the vocabulary (0..<\(vocabSize)); the tokenizer does not match the model"
        case .sequenceTooLong(let length, let maximum):
            return "sequence of \(length) tokens exceeds the model's \(maximum) positions; truncate the input"
        case .checkpoint(let message):
            return message
        }
    }
}
