/// Why a tokenizer could not be built. Each message names the file and what to do.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint has no tokenizer or a broken one.
    case missing(path: String, what: String)
    /// The tokenizer uses an algorithm or pre-tokenizer Owl does not implement.
    case unsupported(path: String, what: String)

    public var description: String {
        switch self {
        case .missing(let path, let what):
            return "\(path): \(what); the checkpoint cannot be tokenized, use a file that includes its tokenizer"
        case .unsupported(let path, let what):
            return "\(path): \(what)"
        }
    }
}
