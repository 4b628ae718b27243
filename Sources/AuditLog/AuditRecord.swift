import Digest
import Foundation

/// What a record is about. A string underneath so a stored word that is none of these still round-trips
/// (and a tampered one fails verification instead of being read as another kind).
public struct AuditKind: RawRepresentable, Sendable, Hashable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// An HTTP request to the server.
    public static let request = AuditKind(rawValue: "request")
    /// A governance decision (for example a license policy refusing a model).
    public static let policyDecision = AuditKind(rawValue: "policy_decision")
    /// Key management (created, revoked).
    public static let keyChange = AuditKind(rawValue: "key_change")
}

/// The content of one audit record, before it is placed in the chain.
public struct AuditEntry: Sendable, Equatable {
    public var timeMicros: Int64
    public var kind: AuditKind
    public var requestID: String
    /// The API key's name (never the key); nil without auth.
    public var keyName: String?
    public var client: String
    /// `METHOD /path`.
    public var endpoint: String
    public var model: String?
    public var modelSHA256: String?
    /// Request parameters as a JSON object text (serialized once, stored and hashed as is).
    public var params: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var finishReason: String?
    public var status: Int
    public var latencyMicros: Int64
    /// Only with `--audit-content`, after redaction.
    public var promptText: String?
    public var completionText: String?
    /// Extra JSON text (policy decisions put their reasons here).
    public var detail: String?

    public init(timeMicros: Int64 = AuditEntry.nowMicros(), kind: AuditKind = .request, requestID: String, keyName: String? = nil,
                client: String = "", endpoint: String = "", model: String? = nil, modelSHA256: String? = nil,
                params: String = "{}", promptTokens: Int? = nil, completionTokens: Int? = nil, finishReason: String? = nil,
                status: Int = 0, latencyMicros: Int64 = 0, promptText: String? = nil, completionText: String? = nil,
                detail: String? = nil) {
        self.timeMicros = timeMicros
        self.kind = kind
        self.requestID = requestID
        self.keyName = keyName
        self.client = client
        self.endpoint = endpoint
        self.model = model
        self.modelSHA256 = modelSHA256
        self.params = params
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.status = status
        self.latencyMicros = latencyMicros
        self.promptText = promptText
        self.completionText = completionText
        self.detail = detail
    }

    /// The current time in Unix microseconds.
    public static func nowMicros() -> Int64 { Int64((Date().timeIntervalSince1970 * 1e6).rounded()) }
}

/// A record in the chain: the entry, its position, the previous record's hash and its own.
public struct AuditRecord: Sendable, Equatable {
    /// 1, 2, 3, … without gaps.
    public var id: Int64
    public var entry: AuditEntry
    /// The previous record's hash; 64 zeros for record 1.
    public var prevHash: String
    public var hash: String

    /// The `prevHash` of the first record.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The canonical serialization that is hashed. It is a JSON object with exactly these keys, in this
    /// (byte-wise ascending) order, no whitespace:
    ///
    ///     client, completion_text, completion_tokens, detail, endpoint, finish_reason, id, key_name, kind,
    ///     latency_us, model, model_sha256, params, prev_hash, prompt_text, prompt_tokens, request_id,
    ///     status, time_us
    ///
    /// Absent values are `null`. Integers are base-10 without sign for non-negative values, leading zeros or
    /// exponent. Strings are UTF-8 as stored (no Unicode normalization), with only `"` → `\"`, `\` → `\\`
    /// and U+0000…U+001F → `\u00XX` (lowercase hex) escaped. `params` and `detail` are strings holding JSON
    /// text, hashed as those strings. The record's hash is the lowercase hex SHA-256 of these bytes; because
    /// `prev_hash` is inside, each record commits to the whole chain before it.
    public static func canonical(id: Int64, entry e: AuditEntry, prevHash: String) -> String {
        var out = "{"
        func key(_ k: String) { if out.count > 1 { out += "," }; out += "\"" + k + "\":" }
        func str(_ k: String, _ v: String?) { key(k); if let v { escape(v, into: &out) } else { out += "null" } }
        func int(_ k: String, _ v: Int64?) { key(k); out += v.map { String($0) } ?? "null" }
        str("client", e.client)
        str("completion_text", e.completionText)
        int("completion_tokens", e.completionTokens.map(Int64.init))
        str("detail", e.detail)
        str("endpoint", e.endpoint)
        str("finish_reason", e.finishReason)
        int("id", id)
        str("key_name", e.keyName)
        str("kind", e.kind.rawValue)
        int("latency_us", e.latencyMicros)
        str("model", e.model)
        str("model_sha256", e.modelSHA256)
        str("params", e.params)
        str("prev_hash", prevHash)
        str("prompt_text", e.promptText)
        int("prompt_tokens", e.promptTokens.map(Int64.init))
        str("request_id", e.requestID)
        int("status", Int64(e.status))
        int("time_us", e.timeMicros)
        out += "}"
        return out
    }

    /// The hash of a record with this content.
    public static func computeHash(id: Int64, entry: AuditEntry, prevHash: String) -> String {
        SHA256.hex(of: Array(canonical(id: id, entry: entry, prevHash: prevHash).utf8))
    }

    private static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1F}":
                let hex = String(u.value, radix: 16)
                out += "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    /// The record as one JSON line for `owl audit export` / `tail --json` (the canonical form plus `hash`).
    public var jsonLine: String {
        var c = AuditRecord.canonical(id: id, entry: entry, prevHash: prevHash)
        c.removeLast()
        return c + ",\"hash\":\"" + hash + "\"}"
    }
}
