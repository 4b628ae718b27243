import Foundation
import Support

/// Ollama response bodies (`/api/*`).
public enum OllamaResponses {
    /// RFC 3339 with fractional seconds, as Ollama writes `created_at`.
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// Durations in nanoseconds, as Ollama reports them.
    public struct Timings: Sendable {
        public var total: UInt64
        public var promptEval: UInt64
        public var eval: UInt64
        public init(total: UInt64, promptEval: UInt64, eval: UInt64) {
            self.total = total
            self.promptEval = promptEval
            self.eval = eval
        }
    }

    /// A streamed piece (`done: false`) of `/api/chat` (chat) or `/api/generate`.
    /// - Parameter logprobs: the piece's tokens when the request set `logprobs: true` (nil: no field).
    public static func piece(chat: Bool, model: String, text: String, logprobs: [TokenLogprobs]? = nil, at: Date = Date()) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("model", .string(model)), ("created_at", .string(timestamp(at)))]
        if chat { pairs.append(("message", .object([("role", .string("assistant")), ("content", .string(text))]))) }
        else { pairs.append(("response", .string(text))) }
        pairs.append(("done", .bool(false)))
        if let logprobs { pairs.append(("logprobs", self.logprobs(logprobs))) }
        return .object(pairs)
    }

    /// Ollama's `logprobs`: `[{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]`.
    public static func logprobs(_ records: [TokenLogprobs]) -> JSONValue {
        func entry(_ token: String, _ logprob: Double, _ bytes: [UInt8]) -> [(String, JSONValue)] {
            [("token", .string(token)), ("logprob", OpenAIResponses.logprobValue(logprob)), ("bytes", OpenAIResponses.bytesValue(bytes))]
        }
        return .array(records.map { r in
            .object(entry(r.token, r.logprob, r.bytes) + [("top_logprobs", .array(r.top.map { .object(entry($0.token, $0.logprob, $0.bytes)) }))])
        })
    }

    /// The final object (`done: true`): the whole text when not streaming, "" after streamed pieces.
    /// - Parameter logprobs: all tokens' records when not streaming and asked for (nil: no field).
    public static func final(chat: Bool, model: String, text: String, result: GenerationResult, timings: Timings,
                             logprobs: [TokenLogprobs]? = nil, at: Date = Date()) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("model", .string(model)), ("created_at", .string(timestamp(at)))]
        if chat { pairs.append(("message", .object([("role", .string("assistant")), ("content", .string(text))]))) }
        else { pairs.append(("response", .string(text))) }
        pairs += [
            ("done", .bool(true)), ("done_reason", .string(result.finishReason == .length ? "length" : "stop")),
            ("total_duration", .int(Int(timings.total))), ("load_duration", .int(0)),
            ("prompt_eval_count", .int(result.promptTokens)), ("prompt_eval_duration", .int(Int(timings.promptEval))),
            ("eval_count", .int(result.completionTokens)), ("eval_duration", .int(Int(timings.eval))),
        ]
        if let lp = logprobs { pairs.append(("logprobs", self.logprobs(lp))) }
        return .object(pairs)
    }

    /// `/api/embed`.
    public static func embed(_ r: EmbeddingResult, model: String, totalNanos: UInt64) -> String {
        "{\"model\":" + JSONValue.string(model).serialized() + ",\"embeddings\":["
            + r.vectors.map(OpenAIResponses.floatArray).joined(separator: ",")
            + "],\"total_duration\":\(totalNanos),\"load_duration\":0,\"prompt_eval_count\":\(r.promptTokens)}"
    }

    static func details(_ m: ModelDescriptor) -> JSONValue {
        .object([("parent_model", .string("")), ("format", .string(m.format)), ("family", .string(m.family)),
                 ("families", .array(m.family.isEmpty ? [] : [.string(m.family)])),
                 ("parameter_size", .string(m.parameterSize)), ("quantization_level", .string(m.quantization))])
    }

    /// `/api/tags`.
    public static func tags(_ models: [ModelDescriptor]) -> JSONValue {
        .object([("models", .array(models.map { m in
            .object([("name", .string(m.name)), ("model", .string(m.name)), ("modified_at", .string(timestamp(m.modifiedAt))),
                     ("size", .int(Int(m.sizeBytes))), ("digest", .string(m.sha256)), ("details", details(m))])
        }))])
    }

    /// `/api/show`.
    public static func show(_ m: ModelDescriptor) -> JSONValue {
        var info: [(String, JSONValue)] = [("general.architecture", .string(m.family))]
        if m.contextLength > 0 { info.append(("\(m.family).context_length", .int(m.contextLength))) }
        var pairs: [(String, JSONValue)] = [
            ("modelfile", .string("")), ("parameters", .string("")), ("template", .string(m.template ?? "")),
            ("details", details(m)), ("model_info", .object(info)),
            ("capabilities", .array(m.capabilities.map(\.rawValue).sorted().map(JSONValue.string))),
            ("modified_at", .string(timestamp(m.modifiedAt))),
        ]
        if let l = m.license { pairs.append(("license", .string(l))) }
        return .object(pairs)
    }

    /// `/api/ps`.
    public static func ps(_ loaded: [LoadedModel]) -> JSONValue {
        .object([("models", .array(loaded.map { l in
            .object([("name", .string(l.model.name)), ("model", .string(l.model.name)), ("size", .int(Int(l.memoryBytes))),
                     ("digest", .string(l.model.sha256)), ("details", details(l.model)),
                     ("expires_at", .string(l.expiresAt.map(timestamp) ?? "")), ("size_vram", .int(0))])
        }))])
    }
}
