import ChatTemplate
import Checkpoint
import Foundation
import Models
import Sampling
import Tokenizer

/// A chat/completion model ready to generate: weights, tokenizer and chat template, loaded once and
/// shared by any number of sessions.
public final class LoadedModel: @unchecked Sendable {
    public let resolved: ResolvedModel
    public let gguf: GGUFFile
    public let model: any LanguageModel
    public let tokenizer: any TextTokenizer
    /// The template from the file (`tokenizer.chat_template`), if any.
    public let template: ChatTemplate?
    public let loadMilliseconds: Double

    /// Loads a GGUF model named on the command line or in a request.
    /// - Throws: `CheckpointError`, `ModelError` (unknown architecture, missing tensors), `TokenizerError`.
    public init(_ resolved: ResolvedModel, options: LoadOptions, registry: ModelRegistry = .standard) throws {
        let clock = Stopwatch()
        guard resolved.format == .gguf else {
            throw EngineError.invalidParameter("\(resolved.name) is a \(resolved.format.rawValue) folder; text generation needs a GGUF model (use `owl embed` for embedding models)")
        }
        self.resolved = resolved
        gguf = try GGUFFile(path: resolved.path)
        model = try registry.load(gguf: gguf, options: options)
        // The tokenizer reads the already open file: its token tables are views of the same mapping.
        tokenizer = try GGUFTokenizer(gguf: gguf)
        if let source = gguf.metadata["tokenizer.chat_template"]?.string {
            template = try ChatTemplate(source: source)
        } else {
            template = nil
        }
        // Metadata pages were read once to build the config, tokenizer and template; stop keeping them resident.
        gguf.releaseMetadataPages()
        loadMilliseconds = clock.milliseconds
    }

    public var bosID: Int32? { tokenizer.bosID.map(Int32.init) }

    /// Text of the BOS and EOS tokens, as chat templates expect them.
    var bosText: String { tokenizer.bosID.flatMap { tokenizer.tokenText($0) } ?? "" }
    var eosText: String { tokenizer.eosID.flatMap { tokenizer.tokenText($0) } ?? "" }

    /// A raw prompt: special-token text is parsed, BOS added only if the model asks for it.
    public func rawPrompt(_ text: String) -> [Int32] {
        tokenizer.encode(text, addSpecial: true, parseSpecial: true).map(Int32.init)
    }

    /// Renders `messages` with the model's template (or the named built-in one) and tokenizes the result.
    /// BOS is added only when the model asks for it and the template did not already write it.
    /// - Throws: `EngineError.noChatTemplate` when there is no template and none was named; `TemplateError`.
    public func chatPrompt(_ messages: [ChatMessage], templateName: String? = nil, addGenerationPrompt: Bool = true) throws -> [Int32] {
        let text = try renderChat(messages, templateName: templateName, addGenerationPrompt: addGenerationPrompt)
        let startsWithBOS = ChatTemplate.renderedStartsWithBOS(text, bosToken: bosText)
        var ids = tokenizer.encode(text, addSpecial: !startsWithBOS, parseSpecial: true)
        // A template that writes EOS at the very end (some do after the last turn) keeps it; adding EOS
        // automatically would end the conversation, so drop one the tokenizer appended itself.
        if tokenizer.addsEOS, let eos = tokenizer.eosID, ids.last == eos, !text.hasSuffix(eosText) { ids.removeLast() }
        return ids.map(Int32.init)
    }

    /// The rendered chat prompt text.
    public func renderChat(_ messages: [ChatMessage], templateName: String? = nil, addGenerationPrompt: Bool = true) throws -> String {
        let tpl: ChatTemplate
        if let templateName {
            tpl = try ChatTemplate(named: templateName)
        } else if let template {
            tpl = template
        } else {
            throw EngineError.noChatTemplate(model: resolved.name)
        }
        let context = TemplateContext(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                      bosToken: bosText, eosToken: eosText)
        return try tpl.render(context)
    }

    /// A new conversation over this model.
    public func makeSession(contextLength: Int) -> GenerationSession {
        GenerationSession(model: model, tokenizer: tokenizer, contextLength: min(contextLength, model.config.contextLength))
    }

    /// A sampler over this model's vocabulary.
    public func makeSampler(_ config: SamplerConfig) throws -> Sampler {
        try Sampler(config: config, vocabSize: model.config.vocabularySize)
    }
}
