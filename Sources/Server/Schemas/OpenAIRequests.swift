import Foundation
import Support

/// Decoding and validation of OpenAI request bodies.
public enum OpenAIRequests {
    /// Fields OpenAI defines that Owl does not implement; present (not null) they are a 400 naming them.
    static let unsupportedChat = ["tools", "tool_choice", "functions", "function_call", "audio", "modalities",
                                  "prediction", "web_search_options"]

    /// `POST /v1/chat/completions`.
    public static func chat(_ f: JSONFields, requestID: String) throws(APIError) -> DecodedGeneration {
        try f.rejectUnsupported(unsupportedChat)
        if let rf = try f.object("response_format"), let type = try rf.string("type"), type != "text" {
            throw .unsupported("response_format", "only {\"type\": \"text\"} is available, got '\(type)'")
        }
        let logprobs = try chatLogprobs(f)
        let model = try f.requiredString("model")
        guard let raw = try f.array("messages") else { throw .invalid("'messages' is required", param: "messages") }
        guard !raw.isEmpty else { throw .invalid("'messages' must hold at least one message", param: "messages") }
        var messages: [ChatMessage] = []
        for (i, m) in raw.enumerated() {
            let path = "messages[\(i)]"
            let o = try JSONFields.element(m, path)
            let role = try o.requiredString("role")
            guard ["system", "developer", "user", "assistant"].contains(role) else {
                throw .invalid("'\(path).role' must be system, developer, user or assistant, got '\(role)'", param: path + ".role")
            }
            try o.rejectUnsupported(["tool_calls", "function_call", "audio"])
            messages.append(ChatMessage(role: role == "developer" ? "system" : role, content: try content(o, path)))
        }
        let stream = try f.bool("stream") ?? false
        let includeUsage = try f.object("stream_options")?.bool("include_usage") ?? false
        var params = try SamplingParameters.openAI(f)
        params.logprobs = logprobs
        return DecodedGeneration(request: GenerationRequest(model: model, input: .chat(messages), parameters: params, requestID: requestID),
                                 stream: stream, includeUsage: includeUsage)
    }

    /// Chat `logprobs: true` with `top_logprobs` (0...20, OpenAI's limit); `top_logprobs` without `logprobs: true`
    /// is a 400, as OpenAI answers.
    static func chatLogprobs(_ f: JSONFields) throws(APIError) -> LogprobsRequest? {
        let on = try f.bool("logprobs") ?? false
        let top = try f.int("top_logprobs", 0...20)
        if top != nil, !on {
            throw .invalid("'top_logprobs' needs 'logprobs': true", param: "top_logprobs")
        }
        return on ? LogprobsRequest(top: top ?? 0) : nil
    }

    /// A message's content: a string, or an array of text parts (other part types are unsupported).
    static func content(_ o: JSONFields, _ path: String) throws(APIError) -> String {
        guard let v = o.present("content") else { return "" }
        switch v {
        case .string(let s): return s
        case .array(let parts):
            var text = ""
            for (j, part) in parts.enumerated() {
                let p = try JSONFields.element(part, "\(path).content[\(j)]")
                let type = try p.requiredString("type")
                guard type == "text" else { throw .unsupported("\(path).content[\(j)].type", "content parts of type '\(type)' cannot be read") }
                text += try p.string("text") ?? ""
            }
            return text
        default: throw o.typeError("content", "a string or an array of content parts", v)
        }
    }

    /// `POST /v1/completions`.
    public static func completion(_ f: JSONFields, requestID: String) throws(APIError) -> DecodedGeneration {
        try f.rejectUnsupported(["suffix", "tools"])
        if try f.bool("echo") == true { throw .unsupported("echo") }
        // `logprobs: N` (0...5; OpenAI's limit): the N most likely tokens per step plus the chosen one.
        var logprobs: LogprobsRequest?
        if f.present("logprobs") != .bool(false), let n = try f.int("logprobs", 0...5) { logprobs = LogprobsRequest(top: n) }
        if let best = try f.int("best_of", 1...128), best != 1 { throw .unsupported("best_of", "only 1 is available") }
        let model = try f.requiredString("model")
        guard let v = f.present("prompt") else { throw .invalid("'prompt' is required", param: "prompt") }
        let prompt: String
        switch v {
        case .string(let s): prompt = s
        case .array(let a):
            guard a.count == 1, case .string(let s) = a[0] else {
                throw .unsupported("prompt", "give one string (token arrays and batches are not available)")
            }
            prompt = s
        default: throw f.typeError("prompt", "a string", v)
        }
        let stream = try f.bool("stream") ?? false
        let includeUsage = try f.object("stream_options")?.bool("include_usage") ?? false
        var params = try SamplingParameters.openAI(f)
        params.logprobs = logprobs
        // OpenAI's legacy default for completions is 16 tokens.
        if params.maxTokens == nil, f.present("max_tokens") == nil { params.maxTokens = 16 }
        return DecodedGeneration(request: GenerationRequest(model: model, input: .text(prompt, system: nil, raw: true),
                                                            parameters: params, requestID: requestID),
                                 stream: stream, includeUsage: includeUsage)
    }

    /// `POST /v1/embeddings`.
    public static func embedding(_ f: JSONFields, requestID: String) throws(APIError) -> DecodedEmbedding {
        let model = try f.requiredString("model")
        guard let v = f.present("input") else { throw .invalid("'input' is required", param: "input") }
        let inputs: [String]
        switch v {
        case .string(let s): inputs = [s]
        case .array(let a):
            guard !a.isEmpty else { throw .invalid("'input' must not be empty", param: "input") }
            var out: [String] = []
            for (i, x) in a.enumerated() {
                guard case .string(let s) = x else {
                    throw .unsupported("input[\(i)]", "give strings (token arrays are not available)")
                }
                out.append(s)
            }
            inputs = out
        default: throw f.typeError("input", "a string or an array of strings", v)
        }
        guard inputs.count <= 2048 else { throw .invalid("'input' holds at most 2048 items, got \(inputs.count)", param: "input") }
        let format = try f.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw .invalid("'encoding_format' must be float or base64, got '\(format)'", param: "encoding_format")
        }
        let dims = try f.int("dimensions", 1...65536)
        return DecodedEmbedding(request: EmbeddingRequest(model: model, inputs: inputs, truncate: true, dimensions: dims, requestID: requestID),
                                base64: format == "base64")
    }
}
