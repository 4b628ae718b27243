/// Errors of the governance layer; each says what to do.
public enum GovernanceError: Error, CustomStringConvertible, Equatable {
    /// The policy file is malformed.
    case badPolicy(path: String, message: String)
    /// The policy refuses the model; the decision carries the rule and the license term.
    case refused(Decision)

    public var description: String {
        switch self {
        case .badPolicy(let path, let message):
            return "\(path): \(message); fix the file or remove it to use the default policy (`owl policy` shows the effective one)"
        case .refused(let d):
            return d.message
        }
    }
}
