/// A parsed chat template (the Jinja subset that `tokenizer.chat_template`s use), rendered with
/// Hugging Face `apply_chat_template` conventions in a sandbox: no file or network access, and bounded
/// work, macro recursion and output size (`TemplateLimits`).
public struct ChatTemplate: Sendable {
    /// The template source as given.
    public let source: String
    /// Sandbox bounds applied to every render.
    public var limits: TemplateLimits
    private let program: Program

    /// Parses a template.
    /// - Parameters:
    ///   - source: Jinja source, e.g. the GGUF `tokenizer.chat_template` metadata string.
    ///   - limits: sandbox bounds for renders.
    /// - Throws: `TemplateError` (kind `.syntax`) with the line and column of the problem.
    public init(source: String, limits: TemplateLimits = TemplateLimits()) throws {
        self.source = source
        self.limits = limits
        let bytes = Lexer.normalize(source)
        var lexer = Lexer(source: bytes)
        let tokens = try lexer.tokenize()
        var parser = Parser(tokens: tokens, src: bytes)
        program = Program(nodes: try parser.parseTemplate(), src: bytes)
    }

    /// Renders the prompt for a conversation.
    /// - Parameter context: messages, tools, special tokens and extra variables.
    /// - Returns: the rendered prompt text.
    /// - Throws: `TemplateError`: `.runtime` (type errors, undefined values used wrongly), `.raised`
    ///   (the template's own `raise_exception`), `.limit` (sandbox bounds), each with line and column.
    public func render(_ context: TemplateContext) throws -> String {
        let ev = Evaluator(src: program.src, limits: limits, now: context.now)
        ev.markStackBase()
        let root = Scope(parent: nil)
        root.vars["messages"] = .array(context.messages.map(JV.init))
        root.vars["tools"] = context.tools.map { .array($0.map(JV.init)) } ?? JV.none
        root.vars["documents"] = JV.none
        root.vars["add_generation_prompt"] = .bool(context.addGenerationPrompt)
        root.vars["bos_token"] = .string(context.bosToken)
        root.vars["eos_token"] = .string(context.eosToken)
        for (k, v) in context.extra.pairs { root.vars[k] = JV(v) }
        var out = ""
        _ = try ev.exec(program.nodes, root, &out)
        return out
    }

    /// Whether a rendered prompt already begins with the BOS token, in which case the tokenizer must not
    /// add another one.
    /// - Parameters:
    ///   - rendered: output of `render(_:)`.
    ///   - bosToken: the model's BOS token text (empty: never).
    public static func renderedStartsWithBOS(_ rendered: String, bosToken: String) -> Bool {
        !bosToken.isEmpty && rendered.utf8.starts(with: bosToken.utf8)
    }
}

/// The parsed, immutable program; shared read-only between renders (and threads).
private final class Program: @unchecked Sendable {
    let nodes: [Node]
    let src: [UInt8]
    init(nodes: [Node], src: [UInt8]) {
        self.nodes = nodes
        self.src = src
    }
}
