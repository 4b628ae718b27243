import Foundation
import Support

/// OpenAI's two logprobs shapes: chat's `{"content": [{token, logprob, bytes, top_logprobs}]}` and the legacy
/// completions' parallel lists `{tokens, token_logprobs, top_logprobs, text_offset}`.
extension OpenAIResponses {
    /// A log-probability as JSON; `-infinity` (a token the model gives no mass) becomes OpenAI's floor, -9999.
    static func logprobValue(_ x: Double) -> JSONValue { .double(x.isFinite ? x : -9999) }

    static func bytesValue(_ b: [UInt8]) -> JSONValue { .array(b.map { .int(Int($0)) }) }

    /// Chat `choices[].logprobs` (also each streamed chunk's, holding that chunk's tokens).
    public static func chatLogprobs(_ records: [TokenLogprobs]) -> JSONValue {
        .object([
            ("content", .array(records.map { r in
                .object([("token", .string(r.token)), ("logprob", logprobValue(r.logprob)), ("bytes", bytesValue(r.bytes)),
                         ("top_logprobs", .array(r.top.map { a in
                             .object([("token", .string(a.token)), ("logprob", logprobValue(a.logprob)), ("bytes", bytesValue(a.bytes))])
                         }))])
            })),
            ("refusal", .null),
        ])
    }

    /// Completions `choices[].logprobs`: `top_logprobs` maps token text → logprob for the most likely tokens plus
    /// the chosen one (so up to N+1 entries, as OpenAI documents); `text_offset` counts characters (Unicode
    /// scalars, as Python's `len`) from the start of the prompt, so the first completion token sits at the
    /// prompt's length.
    /// - Parameter offset: characters before the first of `records` (the prompt, plus text of earlier chunks).
    public static func completionLogprobs(_ records: [TokenLogprobs], offset: Int) -> JSONValue {
        var at = offset
        var offsets: [JSONValue] = []
        var tops: [JSONValue] = []
        for r in records {
            offsets.append(.int(at))
            at += r.token.unicodeScalars.count
            var pairs: [(String, JSONValue)] = []
            for a in r.top where !pairs.contains(where: { $0.0 == a.token }) { pairs.append((a.token, logprobValue(a.logprob))) }
            if !pairs.contains(where: { $0.0 == r.token }) { pairs.append((r.token, logprobValue(r.logprob))) }
            tops.append(.object(pairs))
        }
        return .object([
            ("tokens", .array(records.map { .string($0.token) })),
            ("token_logprobs", .array(records.map { logprobValue($0.logprob) })),
            ("top_logprobs", .array(tops)),
            ("text_offset", .array(offsets)),
        ])
    }

    /// Characters (Unicode scalars) `records` cover, to advance a completion stream's `text_offset`.
    static func characters(_ records: [TokenLogprobs]) -> Int { records.reduce(0) { $0 + $1.token.unicodeScalars.count } }
}
