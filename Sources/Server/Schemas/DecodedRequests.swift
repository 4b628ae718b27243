import Foundation
import Support

/// A generation request as decoded from either API, with how to answer it.
public struct DecodedGeneration: Sendable, Equatable {
    public var request: GenerationRequest
    public var stream: Bool
    /// OpenAI `stream_options.include_usage`: a last chunk with token counts.
    public var includeUsage: Bool

    /// The parameters as one JSON object for the audit log (stable key order).
    public var auditParams: JSONValue {
        let p = request.parameters
        var pairs: [(String, JSONValue)] = [("stream", .bool(stream))]
        func add(_ k: String, _ v: JSONValue?) { if let v { pairs.append((k, v)) } }
        add("max_tokens", p.maxTokens.map(JSONValue.int))
        add("temperature", p.temperature.map(JSONValue.double))
        add("top_p", p.topP.map(JSONValue.double))
        add("top_k", p.topK.map(JSONValue.int))
        add("min_p", p.minP.map(JSONValue.double))
        add("seed", p.seed.map { JSONValue.string(String($0)) })
        if !p.stop.isEmpty { pairs.append(("stop", .array(p.stop.map(JSONValue.string)))) }
        add("presence_penalty", p.presencePenalty.map(JSONValue.double))
        add("frequency_penalty", p.frequencyPenalty.map(JSONValue.double))
        add("repeat_penalty", p.repeatPenalty.map(JSONValue.double))
        add("num_ctx", p.contextLength.map(JSONValue.int))
        if let lp = p.logprobs { pairs.append(("top_logprobs", .int(lp.top))) }
        if !p.logitBias.isEmpty { pairs.append(("logit_bias_count", .int(p.logitBias.count))) }
        switch request.input {
        case .chat(let m): pairs.append(("messages", .int(m.count)))
        case .text(_, let system, let raw):
            pairs.append(("raw", .bool(raw)))
            if system != nil { pairs.append(("system", .bool(true))) }
        }
        return .object(pairs)
    }

    /// The raw prompt's length in Unicode scalars (where completions' `text_offset` starts); 0 for chat.
    public var promptCharacters: Int {
        if case .text(let t, _, true) = request.input { return t.unicodeScalars.count }
        return 0
    }

    /// The prompt as text for the audit log (`--audit-content`).
    public var promptText: String {
        switch request.input {
        case .chat(let messages): return messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
        case .text(let t, let system, _): return (system.map { "system: \($0)\n" } ?? "") + t
        }
    }
}

/// An embedding request as decoded from either API.
public struct DecodedEmbedding: Sendable, Equatable {
    public var request: EmbeddingRequest
    /// OpenAI `encoding_format: "base64"`: little-endian float32 bytes in base64.
    public var base64: Bool
}

/// Sampling fields shared by the OpenAI routes.
extension SamplingParameters {
    static func openAI(_ f: JSONFields) throws(APIError) -> SamplingParameters {
        var p = SamplingParameters()
        let legacyMax = try f.int("max_tokens", 1...1_000_000)
        p.maxTokens = try f.int("max_completion_tokens", 1...1_000_000) ?? legacyMax
        p.temperature = try f.double("temperature", 0...2)
        p.topP = try f.double("top_p", 0...1)
        p.topK = try f.int("top_k", 0...1_000_000)
        p.minP = try f.double("min_p", 0...1)
        p.repeatPenalty = try f.double("repeat_penalty", 0...10)
        p.presencePenalty = try f.double("presence_penalty", -2...2)
        p.frequencyPenalty = try f.double("frequency_penalty", -2...2)
        if let seed = try f.int("seed", Int.min...Int.max) { p.seed = UInt64(bitPattern: Int64(seed)) }
        if let stop = try f.strings("stop") {
            guard stop.count <= 4 else { throw .invalid("'stop' holds at most 4 sequences, got \(stop.count)", param: "stop") }
            p.stop = stop.filter { !$0.isEmpty }
        }
        if let bias = try f.object("logit_bias") {
            for (k, v) in bias.value {
                guard let id = Int(k), id >= 0 else {
                    throw .invalid("'logit_bias' keys must be token ids, got '\(k)'", param: "logit_bias")
                }
                guard let b = try bias.double(k, -100...100) else { continue }
                p.logitBias[id] = b
                _ = v
            }
        }
        if let n = try f.int("n", 1...128), n != 1 {
            throw .invalid("'n' must be 1: Owl returns one choice per request, got \(n)", param: "n")
        }
        return p
    }
}
