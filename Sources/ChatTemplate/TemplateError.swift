/// A template that cannot be parsed or rendered, with where it went wrong.
public struct TemplateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable {
        /// The source is not valid template syntax (or uses a forbidden tag such as `include`).
        case syntax
        /// Rendering failed: a type error, an undefined value used wrongly, an unknown filter...
        case runtime
        /// The template called `raise_exception(message)`; `message` is the template's own text.
        case raised
        /// A sandbox limit was hit (iterations, recursion depth, output size).
        case limit
        /// A built-in template name that does not exist.
        case unknownTemplate
        /// Invalid JSON given to `Value(json:)`.
        case json
    }

    public let kind: Kind
    /// What is wrong, in words.
    public let message: String
    /// 1-based line in the template source (0 when not tied to a place).
    public let line: Int
    /// 1-based column (in characters) in the template source (0 when not tied to a place).
    public let column: Int

    public init(kind: Kind, message: String, line: Int = 0, column: Int = 0) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        let place = line > 0 ? " at line \(line), column \(column)" : ""
        switch kind {
        case .syntax: return "chat template syntax error\(place): \(message)"
        case .runtime: return "chat template error\(place): \(message)"
        case .raised: return "chat template raised an exception\(place): \(message)"
        case .limit: return "chat template stopped\(place): \(message)"
        case .unknownTemplate: return message
        case .json: return "invalid JSON\(place): \(message)"
        }
    }
}
