/// What can go wrong while generating; each message says what to do.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// The prompt (plus at least one generated token) does not fit the context window.
    case promptTooLong(tokens: Int, context: Int)
    /// The prompt is empty after tokenization.
    case emptyPrompt
    /// The model has no chat template and none was chosen.
    case noChatTemplate(model: String)
    /// Invalid generation parameters.
    case invalidParameter(String)
    /// The prompt bytes are not valid UTF-8.
    case invalidUTF8(what: String)
    /// Generation was cancelled (Ctrl-C, a disconnected client).
    case cancelled
    /// Every slot is busy and `waiting` requests already wait for one.
    case busy(waiting: Int)

    public var description: String {
        switch self {
        case .promptTooLong(let tokens, let context):
            return "the prompt has \(tokens) tokens but the context holds \(context); shorten it, raise --ctx, or pass --truncate to keep its start and end"
        case .emptyPrompt:
            return "the prompt is empty; give some text"
        case .noChatTemplate(let model):
            return "\(model) has no chat template; pass --raw to send the prompt as is, or --template chatml|llama3|gemma|mistral|phi3"
        case .invalidParameter(let m):
            return m
        case .invalidUTF8(let what):
            return "\(what) is not valid UTF-8; convert it to UTF-8 first"
        case .cancelled:
            return "cancelled"
        case .busy(let waiting):
            return "every slot is busy and \(waiting) requests are already waiting; retry shortly"
        }
    }
}
