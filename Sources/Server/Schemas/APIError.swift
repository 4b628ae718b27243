import Foundation
import Support

/// An error answered to a client, in OpenAI's shape `{"error": {"message", "type", "param", "code"}}`
/// (Ollama routes send `{"error": message}`, which Ollama's clients read).
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// OpenAI's error type: `invalid_request_error`, `authentication_error`, `permission_error`,
    /// `not_found_error`, `rate_limit_error`, `server_error`.
    public var type: String
    public var code: String?
    /// The request field at fault.
    public var param: String?
    /// Extra headers (`Retry-After`, `Allow`).
    public var headers: [(String, String)] = []

    public init(_ status: Int, _ message: String, type: String, code: String? = nil, param: String? = nil,
                headers: [(String, String)] = []) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers
    }

    public var description: String { "\(status) \(message)" }

    public static func == (a: APIError, b: APIError) -> Bool {
        a.status == b.status && a.message == b.message && a.type == b.type && a.code == b.code && a.param == b.param
    }

    /// 400 for a request that is malformed or asks for something unsupported.
    public static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(400, message, type: "invalid_request_error", code: code, param: param)
    }

    /// 400 naming a field Owl does not support.
    public static func unsupported(_ field: String, _ why: String = "") -> APIError {
        APIError(400, "'\(field)' is not supported by Owl" + (why.isEmpty ? "" : ": " + why) + "; remove it from the request",
                 type: "invalid_request_error", code: "unsupported_parameter", param: field)
    }

    /// 404 for a model that does not exist, or that the key may not use (indistinguishable on purpose).
    public static func modelNotFound(_ model: String) -> APIError {
        APIError(404, "model '\(model)' not found; GET /v1/models lists the models you can use",
                 type: "not_found_error", code: "model_not_found", param: "model")
    }

    /// 503 while no inference engine is loaded.
    public static let noBackend = APIError(503, "no inference backend loaded: this `owl serve` answers health, metrics, model lists, keys and audit, but cannot generate or embed yet",
                                           type: "server_error", code: "no_backend")

    /// The OpenAI-shaped body.
    public var openAIBody: String {
        JSONValue.object([("error", .object([
            ("message", .string(message)), ("type", .string(type)),
            ("param", param.map(JSONValue.string) ?? .null), ("code", code.map(JSONValue.string) ?? .null),
        ]))]).serialized()
    }

    /// The Ollama-shaped body.
    public var ollamaBody: String { JSONValue.object([("error", .string(message))]).serialized() }

    /// The response for a route of the given API.
    func response(ollama: Bool, requestID: String) -> HTTPResponse {
        .json(status, ollama ? ollamaBody : openAIBody, headers: headers + [("X-Request-Id", requestID)])
    }
}
