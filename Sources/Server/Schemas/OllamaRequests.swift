import Foundation
import Support

/// Decoding and validation of Ollama request bodies (`/api/*`). Ollama streams by default.
public enum OllamaRequests {
    /// `options`: the sampling fields Owl implements; others (num_thread, num_gpu, …) are ignored.
    static func options(_ f: JSONFields) throws(APIError) -> SamplingParameters {
        var p = SamplingParameters()
        guard let o = try f.object("options") else { return p }
        if let n = try o.int("num_predict", -2...1_000_000), n > 0 { p.maxTokens = n }
        p.temperature = try o.double("temperature", 0...100)
        p.topK = try o.int("top_k", 0...1_000_000)
        p.topP = try o.double("top_p", 0...1)
        p.minP = try o.double("min_p", 0...1)
        p.repeatPenalty = try o.double("repeat_penalty", 0...10)
        p.presencePenalty = try o.double("presence_penalty", -2...2)
        p.frequencyPenalty = try o.double("frequency_penalty", -2...2)
        p.contextLength = try o.int("num_ctx", 1...10_000_000)
        if let seed = try o.int("seed", Int.min...Int.max) { p.seed = UInt64(bitPattern: Int64(seed)) }
        p.stop = try (o.strings("stop") ?? []).filter { !$0.isEmpty }
        return p
    }

    static func rejectCommon(_ f: JSONFields) throws(APIError) {
        try f.rejectUnsupported(["tools", "images"])
        if JSONFields.inUse(f.present("format")) { throw .unsupported("format", "structured output is not available") }
        if try f.bool("think") == true { throw .unsupported("think") }
    }

    // Ollama's `logprobs: true` + `top_logprobs` (0...20) are top-level fields, read as OpenAI chat reads them.

    /// `POST /api/chat`.
    public static func chat(_ f: JSONFields, requestID: String) throws(APIError) -> DecodedGeneration {
        try rejectCommon(f)
        let model = try f.requiredString("model")
        let raw = try f.array("messages") ?? []
        var messages: [ChatMessage] = []
        for (i, m) in raw.enumerated() {
            let path = "messages[\(i)]"
            let o = try JSONFields.element(m, path)
            try o.rejectUnsupported(["images", "tool_calls"])
            let role = try o.requiredString("role")
            guard ["system", "user", "assistant"].contains(role) else {
                throw .invalid("'\(path).role' must be system, user or assistant, got '\(role)'", param: path + ".role")
            }
            messages.append(ChatMessage(role: role, content: try o.string("content") ?? ""))
        }
        var params = try options(f)
        params.logprobs = try OpenAIRequests.chatLogprobs(f)
        return DecodedGeneration(request: GenerationRequest(model: model, input: .chat(messages), parameters: params, requestID: requestID),
                                 stream: try f.bool("stream") ?? true, includeUsage: false)
    }

    /// `POST /api/generate`.
    public static func generate(_ f: JSONFields, requestID: String) throws(APIError) -> DecodedGeneration {
        try rejectCommon(f)
        try f.rejectUnsupported(["template", "context", "suffix"])
        let model = try f.requiredString("model")
        let prompt = try f.string("prompt") ?? ""
        let system = try f.string("system")
        let raw = try f.bool("raw") ?? false
        var params = try options(f)
        params.logprobs = try OpenAIRequests.chatLogprobs(f)
        return DecodedGeneration(request: GenerationRequest(model: model, input: .text(prompt, system: system, raw: raw),
                                                            parameters: params, requestID: requestID),
                                 stream: try f.bool("stream") ?? true, includeUsage: false)
    }

    /// `POST /api/embed`.
    public static func embed(_ f: JSONFields, requestID: String) throws(APIError) -> DecodedEmbedding {
        let model = try f.requiredString("model")
        guard let inputs = try f.strings("input"), !inputs.isEmpty else { throw .invalid("'input' is required", param: "input") }
        let dims = try f.int("dimensions", 1...65536)
        return DecodedEmbedding(request: EmbeddingRequest(model: model, inputs: inputs, truncate: try f.bool("truncate") ?? true,
                                                          dimensions: dims, requestID: requestID), base64: false)
    }

    /// `POST /api/show`: the model name (`model`, or the older `name`).
    public static func show(_ f: JSONFields) throws(APIError) -> String {
        if let m = try f.string("model"), !m.isEmpty { return m }
        if let m = try f.string("name"), !m.isEmpty { return m }
        throw .invalid("'model' is required", param: "model")
    }
}
