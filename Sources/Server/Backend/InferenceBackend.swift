import Foundation

/// What the server needs from an inference engine. The engine implements it; `owl serve` runs without one
/// (generation and embedding routes then answer 503) until the engine is wired in.
///
/// Implementations must be thread-safe: the server calls them from many requests at once.
public protocol InferenceBackend: Sendable {
    /// The models this backend can serve (the server filters them per API key).
    func models() -> [ModelDescriptor]

    /// Models loaded in memory now, for `GET /api/ps`.
    func loadedModels() -> [LoadedModel]

    /// Generates text for `request`, pushing each piece of text into `stream` as it is produced (for
    /// non-streaming requests the server passes a stream that only collects).
    ///
    /// - Parameters:
    ///   - request: the validated request (model name already checked against `models()` and the key).
    ///   - stream: where text goes; `stream.send` returns false once the client has gone.
    ///   - cancel: set when the client disconnects or the server shuts down; stop promptly (also honor
    ///     Swift task cancellation, which the server sets too).
    /// - Returns: the whole text, token counts and why generation stopped.
    /// - Throws: `BackendError` for conditions with their own HTTP status; anything else is a 500.
    func generate(_ request: GenerationRequest, stream: ResponseStream, cancel: CancellationToken) async throws -> GenerationResult

    /// Embeds each input of `request` (one vector per input, in order).
    func embed(_ request: EmbeddingRequest, cancel: CancellationToken) async throws -> EmbeddingResult

    /// Per loaded model, what its batch scheduler holds now (for `/metrics`); empty when not batching.
    func schedulerLoad() -> [SchedulerLoad]
}

extension InferenceBackend {
    public func schedulerLoad() -> [SchedulerLoad] { [] }
}

/// One model's batch scheduler at a moment.
public struct SchedulerLoad: Sendable, Equatable {
    public var model: String
    /// Requests waiting for a slot.
    public var waiting: Int
    /// Sequences in slots (prefilling or decoding).
    public var active: Int
    /// Slots: sequences decoded together at most.
    public var slots: Int
    public init(model: String, waiting: Int, active: Int, slots: Int) {
        self.model = model
        self.waiting = waiting
        self.active = active
        self.slots = slots
    }
}

/// A model as the APIs list it.
public struct ModelDescriptor: Sendable, Equatable {
    /// The name clients pass as `model`.
    public var name: String
    /// SHA-256 of the weights (audit records carry it).
    public var sha256: String
    /// `generate`, `chat`, `embed`.
    public var capabilities: Set<Capability>
    /// e.g. `llama`, `gemma3`, `bert`.
    public var family: String
    /// e.g. `135M`.
    public var parameterSize: String
    /// e.g. `Q4_1`.
    public var quantization: String
    /// `gguf` or `safetensors`.
    public var format: String
    public var contextLength: Int
    public var sizeBytes: Int64
    /// When the model was installed.
    public var modifiedAt: Date
    /// SPDX id or license name, if known.
    public var license: String?
    /// The chat template text, if any (for `/api/show`).
    public var template: String?

    public enum Capability: String, Sendable, Hashable, CaseIterable { case completion, chat, embedding }

    public init(name: String, sha256: String, capabilities: Set<Capability>, family: String = "", parameterSize: String = "",
                quantization: String = "", format: String = "gguf", contextLength: Int = 0, sizeBytes: Int64 = 0,
                modifiedAt: Date = Date(timeIntervalSince1970: 0), license: String? = nil, template: String? = nil) {
        self.name = name
        self.sha256 = sha256
        self.capabilities = capabilities
        self.family = family
        self.parameterSize = parameterSize
        self.quantization = quantization
        self.format = format
        self.contextLength = contextLength
        self.sizeBytes = sizeBytes
        self.modifiedAt = modifiedAt
        self.license = license
        self.template = template
    }
}

/// A model resident in memory (`/api/ps`).
public struct LoadedModel: Sendable, Equatable {
    public var model: ModelDescriptor
    public var memoryBytes: Int64
    public var expiresAt: Date?
    public init(model: ModelDescriptor, memoryBytes: Int64, expiresAt: Date? = nil) {
        self.model = model
        self.memoryBytes = memoryBytes
        self.expiresAt = expiresAt
    }
}

/// One chat message.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Sampling and stopping parameters common to both APIs; nil means the model's default.
public struct SamplingParameters: Sendable, Equatable {
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var minP: Double?
    public var seed: UInt64?
    public var stop: [String] = []
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    public var repeatPenalty: Double?
    /// Token id → additive logit bias.
    public var logitBias: [Int: Double] = [:]
    /// Context size requested (Ollama `num_ctx`).
    public var contextLength: Int?
    /// Log-probabilities to report with each generated token; nil: none.
    public var logprobs: LogprobsRequest?
    public init() {}
}

/// Log-probabilities a request asks for (OpenAI chat `logprobs: true` + `top_logprobs`, completions `logprobs: N`).
public struct LogprobsRequest: Sendable, Equatable {
    /// How many most likely alternatives to report per token (0: only the chosen token's log-probability).
    public var top: Int
    public init(top: Int) { self.top = top }
}

/// A validated generation request, the same for both APIs.
public struct GenerationRequest: Sendable, Equatable {
    public enum Input: Sendable, Equatable {
        /// Messages to format with the model's chat template.
        case chat([ChatMessage])
        /// Plain text; `raw` means no template at all (Ollama `raw: true`, OpenAI completions).
        case text(String, system: String?, raw: Bool)
    }
    public var model: String
    public var input: Input
    public var parameters: SamplingParameters
    /// A server-assigned id, also in the audit record.
    public var requestID: String
    public init(model: String, input: Input, parameters: SamplingParameters, requestID: String) {
        self.model = model
        self.input = input
        self.parameters = parameters
        self.requestID = requestID
    }
}

/// Why generation stopped.
public enum FinishReason: String, Sendable {
    /// End-of-sequence token or a stop string.
    case stop
    /// `maxTokens` or the context was reached.
    case length
    /// The client went away or the server is shutting down.
    case cancelled
}

/// What a finished generation reports.
public struct GenerationResult: Sendable, Equatable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: FinishReason
    /// Prompt tokens served from the KV cache of an earlier request (OpenAI `prompt_tokens_details.cached_tokens`).
    public var cachedPromptTokens: Int
    /// One record per token of `text`, in order, when the request asked for logprobs (nil otherwise).
    public var logprobs: [TokenLogprobs]?
    public init(text: String, promptTokens: Int, completionTokens: Int, finishReason: FinishReason, cachedPromptTokens: Int = 0,
                logprobs: [TokenLogprobs]? = nil) {
        self.text = text
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.cachedPromptTokens = cachedPromptTokens
        self.logprobs = logprobs
    }
}

/// A validated embedding request.
public struct EmbeddingRequest: Sendable, Equatable {
    public var model: String
    public var inputs: [String]
    /// Truncate inputs longer than the context instead of failing (Ollama's `truncate`, default true).
    public var truncate: Bool
    /// Requested output size (OpenAI `dimensions`), nil for the model's own.
    public var dimensions: Int?
    public var requestID: String
    public init(model: String, inputs: [String], truncate: Bool = true, dimensions: Int? = nil, requestID: String) {
        self.model = model
        self.inputs = inputs
        self.truncate = truncate
        self.dimensions = dimensions
        self.requestID = requestID
    }
}

/// Embedding vectors, one per input.
public struct EmbeddingResult: Sendable, Equatable {
    public var vectors: [[Float]]
    public var promptTokens: Int
    public init(vectors: [[Float]], promptTokens: Int) {
        self.vectors = vectors
        self.promptTokens = promptTokens
    }
}

/// Errors a backend throws that map to their own HTTP status (others are 500).
public enum BackendError: Error, CustomStringConvertible, Equatable {
    /// 404: the model is not installed.
    case modelNotFound(String)
    /// 400: the request cannot be served as asked (prompt longer than the context, …).
    case invalidRequest(String)
    /// 503: overloaded or the model is still loading; the client may retry.
    case unavailable(String)
    /// 403: a policy (for example the model's license) refuses the request.
    case refused(String)

    public var description: String {
        switch self {
        case .modelNotFound(let m): return "model '\(m)' not found"
        case .invalidRequest(let m), .unavailable(let m), .refused(let m): return m
        }
    }
}
