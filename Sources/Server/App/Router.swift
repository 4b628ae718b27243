import AccessControl
import AuditLog
import Foundation
import Support
import Synchronization

/// The application: routes, authentication, rate limits, metrics and the audit record of every request.
final class Router: HTTPHandler {
    let config: ServerConfiguration
    let backend: (any InferenceBackend)?
    let metrics: ServerMetrics
    /// Audit records not yet written (shutdown waits for them).
    let pendingAudits = Atomic<Int>(0)
    /// Reports connection counts for /metrics (set by `OwlServer`).
    let connectionStats: @Sendable () -> (open: Int, timedOut: Int)

    init(config: ServerConfiguration, backend: (any InferenceBackend)?, metrics: ServerMetrics,
         connectionStats: @escaping @Sendable () -> (open: Int, timedOut: Int)) {
        self.config = config
        self.backend = backend
        self.metrics = metrics
        self.connectionStats = connectionStats
    }

    /// Context for one request while it is being routed.
    struct Call {
        let request: HTTPRequest
        let route: Route
        let requestID: String
        let key: APIKey?
        let audit: RequestAudit
        let exchange: Exchange
        var ollama: Bool { route.isOllama }

        func error(_ e: APIError) -> HTTPReply {
            audit.update { $0.finishReason = $0.finishReason ?? "error" }
            return .full(e.response(ollama: ollama, requestID: requestID))
        }
        func json(_ status: Int, _ v: JSONValue) -> HTTPReply { json(status, v.serialized()) }
        func json(_ status: Int, _ text: String) -> HTTPReply {
            .full(.json(status, text, headers: [("X-Request-Id", requestID)]))
        }
    }

    func handle(_ request: HTTPRequest, exchange: Exchange) -> HandlerOutcome {
        let requestID = Router.requestID(request)
        let route = Route.match(request.path)
        let audit = startAudit(request, route: route, requestID: requestID, exchange: exchange)
        guard let route else {
            let e = APIError(404, "no route for \(request.method) \(request.path.prefix(200))", type: "invalid_request_error", code: "not_found")
            return .now(.full(e.response(ollama: request.path.hasPrefix("/api/"), requestID: requestID)))
        }
        var call = Call(request: request, route: route, requestID: requestID, key: nil, audit: audit, exchange: exchange)
        guard route.methods.contains(request.method) else {
            let e = APIError(405, "\(request.method) is not allowed on \(route.label); use \(route.methods.joined(separator: " or "))",
                             type: "invalid_request_error", code: "method_not_allowed", headers: [("Allow", route.methods.joined(separator: ", "))])
            return .now(call.error(e))
        }
        if !route.isPublic, config.requireKeys {
            switch authenticate(request) {
            case .failure(let e): return .now(call.error(e))
            case .success(let key):
                call = Call(request: request, route: route, requestID: requestID, key: key, audit: audit, exchange: exchange)
                audit.update { $0.keyName = key.name }
                if route.needsAdmin, !key.isAdmin {
                    return .now(call.error(APIError(403, "\(route.label) needs an admin key (create one with `owl keys create --name NAME --admin`)",
                                                    type: "permission_error", code: "admin_required")))
                }
                if let wait = config.rateLimiter.admit(key) {
                    metrics.rateLimited.inc([key.name])
                    return .now(call.error(APIError(429, "rate limit for key '\(key.name)' reached; retry in \(wait) s",
                                                    type: "rate_limit_error", code: "rate_limit_exceeded",
                                                    headers: [("Retry-After", String(wait))])))
                }
            }
        }
        return dispatch(call)
    }

    func bodyTooLarge(_ request: HTTPRequest, limit: Int, exchange: Exchange) -> HTTPResponse {
        let requestID = Router.requestID(request)
        let route = Route.match(request.path)
        _ = startAudit(request, route: route, requestID: requestID, exchange: exchange)
        let e = APIError(413, "the request body is larger than the limit of \(limit) bytes", type: "invalid_request_error",
                         code: "body_too_large")
        return e.response(ollama: route?.isOllama ?? false, requestID: requestID)
    }

    private func dispatch(_ c: Call) -> HandlerOutcome {
        switch c.route {
        case .root: return .now(.full(HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("Owl is running".utf8))))
        case .health: return .now(health(c))
        case .metrics: return .now(metricsReply(c))
        case .models: return .now(c.json(200, OpenAIResponses.models(visibleModels(c.key))))
        case .model(let id):
            guard let m = findModel(id, c.key) else { return .now(c.error(.modelNotFound(id))) }
            return .now(c.json(200, OpenAIResponses.model(m)))
        case .ollamaTags: return .now(c.json(200, OllamaResponses.tags(visibleModels(c.key))))
        case .ollamaVersion: return .now(c.json(200, .object([("version", .string(config.version))])))
        case .ollamaPS: return .now(c.json(200, OllamaResponses.ps(backend?.loadedModels() ?? [])))
        case .ollamaShow:
            do {
                let name = try OllamaRequests.show(try JSONFields.parse(c.request.body))
                guard let m = findModel(name, c.key) else { return .now(c.error(.modelNotFound(name))) }
                c.audit.update { $0.model = m.name; $0.modelSHA256 = m.sha256 }
                return .now(c.json(200, OllamaResponses.show(m)))
            } catch { return .now(c.error(error)) }
        case .chatCompletions, .completions, .ollamaChat, .ollamaGenerate:
            return generation(c)
        case .embeddings, .ollamaEmbed:
            return embedding(c)
        case .keys, .key:
            return .now(keys(c))
        }
    }

    private func health(_ c: Call) -> HTTPReply {
        let body = JSONValue.object([
            ("status", .string("ok")), ("version", .string(config.version)),
            ("backend", .string(backend == nil ? "none" : "ready")),
            ("models", .int(backend?.models().count ?? 0)),
            ("auth", .string(config.requireKeys ? "keys" : "disabled")),
            ("audit", .string(config.audit == nil ? "off" : (metrics.auditFailures.value() > 0 ? "degraded" : "ok"))),
        ])
        return c.json(200, body)
    }

    private func metricsReply(_ c: Call) -> HTTPReply {
        let stats = connectionStats()
        metrics.openConnections.set([], Double(stats.open))
        metrics.slowClientsClosed.set([], Double(stats.timedOut))
        // Reported whole, so a model that unloaded disappears from these gauges.
        let loads = backend?.schedulerLoad() ?? []
        metrics.schedulerWaiting.replace(Dictionary(loads.map { ([$0.model], Double($0.waiting)) }, uniquingKeysWith: +))
        metrics.schedulerActive.replace(Dictionary(loads.map { ([$0.model], Double($0.active)) }, uniquingKeysWith: +))
        metrics.schedulerSlots.replace(Dictionary(loads.map { ([$0.model], Double($0.slots)) }, uniquingKeysWith: +))
        metrics.modelMemory.replace(Dictionary((backend?.loadedModels() ?? []).map { ([$0.model.name], Double($0.memoryBytes)) },
                                               uniquingKeysWith: +))
        return .full(HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                                                         ("X-Request-Id", c.requestID)],
                                  body: Array(metrics.registry.render().utf8)))
    }

    /// Models the key may see (all without keys); the others do not exist for it.
    func visibleModels(_ key: APIKey?) -> [ModelDescriptor] {
        (backend?.models() ?? []).filter { key?.allows(model: $0.name) ?? true }
    }

    /// A visible model by name (`name:latest` also matches `name`, as Ollama clients send it).
    func findModel(_ name: String, _ key: APIKey?) -> ModelDescriptor? {
        let all = visibleModels(key)
        if let m = all.first(where: { $0.name == name }) { return m }
        if name.hasSuffix(":latest") { return all.first { $0.name == String(name.dropLast(7)) } }
        return nil
    }

    private func authenticate(_ request: HTTPRequest) -> Result<APIKey, APIError> {
        guard let keys = config.keys else {
            return .failure(APIError(503, "no key store is configured", type: "server_error", code: "no_key_store"))
        }
        guard let header = request.headers["authorization"], !header.isEmpty else {
            return .failure(APIError(401, "missing API key: send the header `Authorization: Bearer KEY` (create keys with `owl keys create`)",
                                     type: "authentication_error", code: "missing_api_key"))
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        if parts.count == 1, parts[0].lowercased() == "bearer" {
            return .failure(APIError(401, "missing API key: send the header `Authorization: Bearer KEY` (create keys with `owl keys create`)",
                                     type: "authentication_error", code: "missing_api_key"))
        }
        guard parts.count == 2, parts[0].lowercased() == "bearer", let key = keys.authenticate(secret: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            return .failure(APIError(401, "invalid API key", type: "authentication_error", code: "invalid_api_key"))
        }
        return .success(key)
    }

    /// The client's `X-Request-Id` when it is short and plain, else a fresh one.
    static func requestID(_ r: HTTPRequest) -> String {
        if let given = r.headers["x-request-id"], (1...64).contains(given.count),
           given.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }) {
            return given
        }
        return UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
