import Foundation
import Support

/// OpenAI response bodies: completions, chunks, embeddings, models.
public enum OpenAIResponses {
    /// OpenAI's finish reasons are `stop` and `length` (a cancelled request has no reader left).
    static func finish(_ r: FinishReason) -> String { r == .length ? "length" : "stop" }

    static func usage(_ r: GenerationResult) -> JSONValue {
        .object([("prompt_tokens", .int(r.promptTokens)), ("completion_tokens", .int(r.completionTokens)),
                 ("total_tokens", .int(r.promptTokens + r.completionTokens)),
                 ("prompt_tokens_details", .object([("cached_tokens", .int(r.cachedPromptTokens))]))])
    }

    /// The `id` of a chat completion (`chatcmpl-…`) or completion (`cmpl-…`).
    static func id(_ chat: Bool, _ requestID: String) -> String { (chat ? "chatcmpl-" : "cmpl-") + requestID }

    /// A whole chat completion.
    public static func chatCompletion(_ r: GenerationResult, model: String, requestID: String, created: Int) -> JSONValue {
        .object([
            ("id", .string(id(true, requestID))), ("object", .string("chat.completion")), ("created", .int(created)),
            ("model", .string(model)),
            ("choices", .array([.object([
                ("index", .int(0)),
                ("message", .object([("role", .string("assistant")), ("content", .string(r.text))])),
                ("logprobs", r.logprobs.map(chatLogprobs) ?? .null), ("finish_reason", .string(finish(r.finishReason))),
            ])])),
            ("usage", usage(r)),
        ])
    }

    /// A whole text completion.
    /// - Parameter promptCharacters: the prompt's length in Unicode scalars (where `text_offset` starts).
    public static func completion(_ r: GenerationResult, model: String, requestID: String, created: Int, promptCharacters: Int = 0) -> JSONValue {
        .object([
            ("id", .string(id(false, requestID))), ("object", .string("text_completion")), ("created", .int(created)),
            ("model", .string(model)),
            ("choices", .array([.object([("text", .string(r.text)), ("index", .int(0)),
                                         ("logprobs", r.logprobs.map { completionLogprobs($0, offset: promptCharacters) } ?? .null),
                                         ("finish_reason", .string(finish(r.finishReason)))])])),
            ("usage", usage(r)),
        ])
    }

    /// One streamed chunk. `delta` nil with a `finish` is the closing chunk; `role` marks the opening one.
    /// - Parameter logprobs: the chunk's `choices[].logprobs` (`chatLogprobs` / `completionLogprobs` of its tokens).
    public static func chunk(chat: Bool, text: String?, role: Bool = false, finish: FinishReason? = nil, logprobs: JSONValue = .null,
                             model: String, requestID: String, created: Int) -> JSONValue {
        let choice: JSONValue
        if chat {
            var delta: [(String, JSONValue)] = []
            if role { delta.append(("role", .string("assistant"))) }
            if let text { delta.append(("content", .string(text))) }
            choice = .object([("index", .int(0)), ("delta", .object(delta)), ("logprobs", logprobs),
                              ("finish_reason", finish.map { .string(self.finish($0)) } ?? .null)])
        } else {
            choice = .object([("text", .string(text ?? "")), ("index", .int(0)), ("logprobs", logprobs),
                              ("finish_reason", finish.map { .string(self.finish($0)) } ?? .null)])
        }
        return .object([
            ("id", .string(id(chat, requestID))), ("object", .string(chat ? "chat.completion.chunk" : "text_completion")),
            ("created", .int(created)), ("model", .string(model)), ("choices", .array([choice])),
        ])
    }

    /// The usage chunk sent last when `stream_options.include_usage` is set (no choices).
    public static func usageChunk(chat: Bool, _ r: GenerationResult, model: String, requestID: String, created: Int) -> JSONValue {
        .object([
            ("id", .string(id(chat, requestID))), ("object", .string(chat ? "chat.completion.chunk" : "text_completion")),
            ("created", .int(created)), ("model", .string(model)), ("choices", .array([])), ("usage", usage(r)),
        ])
    }

    /// The embeddings list; vectors as JSON numbers or, with `base64`, little-endian float32 bytes in base64.
    public static func embeddings(_ r: EmbeddingResult, model: String, base64: Bool) -> String {
        var out = "{\"object\":\"list\",\"data\":["
        for (i, v) in r.vectors.enumerated() {
            if i > 0 { out += "," }
            out += "{\"object\":\"embedding\",\"index\":\(i),\"embedding\":"
            out += base64 ? "\"" + base64Floats(v) + "\"" : floatArray(v)
            out += "}"
        }
        out += "],\"model\":" + JSONValue.string(model).serialized()
        out += ",\"usage\":{\"prompt_tokens\":\(r.promptTokens),\"total_tokens\":\(r.promptTokens)}}"
        return out
    }

    /// `[x, y, …]` with each Float in its shortest round-trip form (non-finite values become 0).
    static func floatArray(_ v: [Float]) -> String {
        "[" + v.map { $0.isFinite ? "\($0)" : "0" }.joined(separator: ",") + "]"
    }

    static func base64Floats(_ v: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(v.count * 4)
        for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return Data(bytes).base64EncodedString()
    }

    /// `GET /v1/models`.
    public static func models(_ models: [ModelDescriptor]) -> JSONValue {
        .object([("object", .string("list")), ("data", .array(models.map(model)))])
    }

    /// One model entry.
    public static func model(_ m: ModelDescriptor) -> JSONValue {
        .object([("id", .string(m.name)), ("object", .string("model")), ("created", .int(Int(m.modifiedAt.timeIntervalSince1970))),
                 ("owned_by", .string("owl"))])
    }
}
