/// Everything that can be wrong with a checkpoint file or folder. Each case names the file and says what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case io(path: String, message: String)
    /// The bytes do not follow the format; `offset` is where reading stopped.
    case malformed(path: String, offset: Int, message: String)
    /// A well-formed file uses something Owl does not support (a type, a version).
    case unsupported(path: String, message: String)
    /// A tensor the caller asked for is not there.
    case missingTensor(path: String, name: String)
    /// A metadata key the caller needs is missing or has the wrong type.
    case missingKey(path: String, key: String, expected: String)
    /// A model name that is neither a catalog name, a .gguf file nor a Hugging Face folder.
    case unknownModel(name: String, hint: String)

    public var description: String {
        switch self {
        case .io(let path, let message):
            return "\(path): \(message)"
        case .malformed(let path, let offset, let message):
            return "\(path): not a valid checkpoint: \(message) (at byte \(offset)); the file is corrupt or truncated, fetch it again"
        case .unsupported(let path, let message):
            return "\(path): \(message)"
        case .missingTensor(let path, let name):
            return "\(path): tensor '\(name)' is missing; the file does not match its declared architecture"
        case .missingKey(let path, let key, let expected):
            return "\(path): metadata key '\(key)' is missing or is not \(expected)"
        case .unknownModel(let name, let hint):
            return "unknown model '\(name)': \(hint)"
        }
    }
}
