import AccessControl
import AuditLog
import Foundation
import Support

extension Router {
    /// Key management over HTTP (admin keys): `GET /admin/keys`, `POST /admin/keys`
    /// `{"name", "models"?, "rpm"?, "tpm"?, "admin"?}` (answers the secret once), `DELETE /admin/keys/NAME`.
    func keys(_ c: Call) -> HTTPReply {
        guard let store = config.keys else {
            return c.error(APIError(503, "no key store is configured", type: "server_error", code: "no_key_store"))
        }
        do {
            switch (c.route, c.request.method) {
            case (.keys, "GET"):
                return c.json(200, .object([("keys", .array(try store.list().map(Router.keyJSON)))]))
            case (.keys, _):
                let f = try JSONFields.parse(c.request.body)
                let name = try f.requiredString("name")
                let models = try f.strings("models")
                let secret = try store.create(name: name, models: models, requestsPerMinute: try f.int("rpm", 1...Int(Int32.max)),
                                              tokensPerMinute: try f.int("tpm", 1...Int(Int32.max)), isAdmin: try f.bool("admin") ?? false)
                c.audit.update { $0.params = JSONValue.object([("name", .string(name))]).serialized(); $0.finishReason = "key_created" }
                return c.json(201, .object([("name", .string(name)), ("key", .string(secret))]))
            case (.key(let name), _):
                try store.revoke(name: name)
                c.audit.update { $0.params = JSONValue.object([("name", .string(name))]).serialized(); $0.finishReason = "key_revoked" }
                return c.json(200, .object([("name", .string(name)), ("revoked", .bool(true))]))
            default:
                return c.error(APIError(404, "no such route", type: "invalid_request_error", code: "not_found"))
            }
        } catch let e as APIError {
            return c.error(e)
        } catch let e as AccessError {
            if case .unknownKey = e { return c.error(APIError(404, e.description, type: "not_found_error", code: "key_not_found")) }
            return c.error(.invalid(e.description))
        } catch {
            return c.error(APIError(500, "\(error)", type: "server_error", code: "internal_error"))
        }
    }

    /// A key as listed (never its hash or secret).
    static func keyJSON(_ k: APIKey) -> JSONValue {
        .object([("name", .string(k.name)), ("models", k.models.map { .array($0.map(JSONValue.string)) } ?? .null),
                 ("rpm", k.requestsPerMinute.map(JSONValue.int) ?? .null), ("tpm", k.tokensPerMinute.map(JSONValue.int) ?? .null),
                 ("admin", .bool(k.isAdmin)), ("created_at", .int(Int(k.createdAt))),
                 ("revoked_at", k.revokedAt.map { .int(Int($0)) } ?? .null)])
    }
}
