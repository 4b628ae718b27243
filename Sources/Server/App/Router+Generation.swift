import AccessControl
import AuditLog
import Foundation
import Support
import Synchronization

/// Tracks one generation for the queue-depth, active-session and time-to-first-token metrics.
final class GenerationTracker: Sendable {
    private let firstSeen = Atomic<Bool>(false)
    let metrics: ServerMetrics
    let model: String
    let startedAt: UInt64

    init(metrics: ServerMetrics, model: String, startedAt: UInt64) {
        self.metrics = metrics
        self.model = model
        self.startedAt = startedAt
        metrics.queueDepth.add([model], 1)
        metrics.activeSessions.add([model], 1)
    }

    /// The first piece of text: the request leaves the queue.
    func first() {
        guard firstSeen.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        metrics.queueDepth.add([model], -1)
        metrics.timeToFirstToken.observe([model], Double(DispatchTime.now().uptimeNanoseconds - startedAt) / 1e9)
    }

    func end() {
        if firstSeen.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
            metrics.queueDepth.add([model], -1)
        }
        metrics.activeSessions.add([model], -1)
    }
}

extension Router {
    enum GenerationAPI {
        case openAIChat, openAICompletion, ollamaChat, ollamaGenerate
        var isChat: Bool { self == .openAIChat || self == .ollamaChat }
        var isOllama: Bool { self == .ollamaChat || self == .ollamaGenerate }
    }

    func generation(_ c: Call) -> HandlerOutcome {
        let api: GenerationAPI
        let decoded: DecodedGeneration
        do {
            let fields = try JSONFields.parse(c.request.body)
            switch c.route {
            case .chatCompletions: api = .openAIChat; decoded = try OpenAIRequests.chat(fields, requestID: c.requestID)
            case .completions: api = .openAICompletion; decoded = try OpenAIRequests.completion(fields, requestID: c.requestID)
            case .ollamaChat: api = .ollamaChat; decoded = try OllamaRequests.chat(fields, requestID: c.requestID)
            default: api = .ollamaGenerate; decoded = try OllamaRequests.generate(fields, requestID: c.requestID)
            }
        } catch { return .now(c.error(error)) }
        c.audit.update { $0.params = decoded.auditParams.serialized(); $0.model = decoded.request.model }
        guard let backend else { return .now(c.error(.noBackend)) }
        guard let model = findModel(decoded.request.model, c.key) else { return .now(c.error(.modelNotFound(decoded.request.model))) }
        let needed: ModelDescriptor.Capability = api.isChat ? .chat : .completion
        guard model.capabilities.contains(needed) else {
            return .now(c.error(.invalid("model '\(model.name)' does not support \(api.isChat ? "chat" : "text completion")", param: "model",
                                         code: "unsupported_model")))
        }
        var resolved = decoded.request
        resolved.model = model.name
        let request = resolved
        c.audit.update { $0.model = model.name; $0.modelSHA256 = model.sha256; $0.promptText = auditText(decoded.promptText) }
        let tracker = GenerationTracker(metrics: metrics, model: model.name, startedAt: c.exchange.startedAt)
        let token = c.exchange.cancellation
        let created = Int(Date().timeIntervalSince1970)

        if decoded.stream {
            let body = StreamBody()
            var format = StreamFormat(api: api, model: model.name, requestID: c.requestID, created: created,
                                      includeUsage: decoded.includeUsage, startedAt: c.exchange.startedAt)
            format.logprobs = request.parameters.logprobs != nil
            format.offset = .init(decoded.promptCharacters)
            c.audit.expectPart()
            body.write(format.opening())
            let stream = ResponseStream { [format] text, records in
                tracker.first()
                return body.write(format.piece(text, records))
            }
            let task = Task { [self] in
                let outcome = await invoke(backend, request, stream, token)
                switch outcome {
                case .success(let r): body.write(format.closing(r))
                case .failure(let e): body.write(format.error(e))
                }
                body.finish()
                finishGeneration(c, outcome, tracker: tracker)
                c.audit.partDone()
            }
            body.onCancel { token.cancel() }
            token.onCancel { task.cancel() }
            return .now(.stream(status: 200, headers: format.headers + [("X-Request-Id", c.requestID)], body: body))
        }

        return .later { [self] in
            let stream = ResponseStream { _ in
                tracker.first()
                return !token.isCancelled
            }
            let outcome = await invoke(backend, request, stream, token)
            finishGeneration(c, outcome, tracker: tracker)
            switch outcome {
            case .failure(let e): return c.error(e)
            case .success(let r):
                let body: JSONValue
                switch api {
                case .openAIChat: body = OpenAIResponses.chatCompletion(r, model: model.name, requestID: c.requestID, created: created)
                case .openAICompletion:
                    body = OpenAIResponses.completion(r, model: model.name, requestID: c.requestID, created: created,
                                                      promptCharacters: decoded.promptCharacters)
                case .ollamaChat, .ollamaGenerate:
                    body = OllamaResponses.final(chat: api.isChat, model: model.name, text: r.text, result: r,
                                                 timings: StreamFormat.timings(startedAt: c.exchange.startedAt, firstAt: stream.firstPieceAt),
                                                 logprobs: r.logprobs)
                }
                return c.json(200, body)
            }
        }
    }

    /// Calls the backend and maps its errors to API errors.
    func invoke(_ backend: any InferenceBackend, _ request: GenerationRequest, _ stream: ResponseStream,
                _ token: CancellationToken) async -> Result<GenerationResult, APIError> {
        do {
            return .success(try await backend.generate(request, stream: stream, cancel: token))
        } catch {
            return .failure(Router.map(error, model: request.model))
        }
    }

    static func map(_ error: any Error, model: String) -> APIError {
        switch error {
        case let e as APIError: return e
        case BackendError.modelNotFound(let m): return .modelNotFound(m)
        case BackendError.invalidRequest(let m): return .invalid(m)
        case BackendError.unavailable(let m): return APIError(503, m, type: "server_error", code: "unavailable")
        case BackendError.refused(let m): return APIError(403, m, type: "permission_error", code: "policy_refused")
        case is CancellationError: return APIError(499, "the request was cancelled", type: "server_error", code: "cancelled")
        default: return APIError(500, "generation failed: \(error)", type: "server_error", code: "internal_error")
        }
    }

    /// Metrics, rate-limit charge and audit fields once a generation has ended.
    func finishGeneration(_ c: Call, _ outcome: Result<GenerationResult, APIError>, tracker: GenerationTracker) {
        tracker.end()
        switch outcome {
        case .success(let r):
            metrics.tokens.inc([tracker.model, "prompt"], by: Double(r.promptTokens))
            metrics.tokens.inc([tracker.model, "completion"], by: Double(r.completionTokens))
            metrics.modelRequests.inc([tracker.model, r.finishReason.rawValue])
            if let key = c.key { config.rateLimiter.charge(key, tokens: r.promptTokens + r.completionTokens) }
            c.audit.update { e in
                e.promptTokens = r.promptTokens
                e.completionTokens = r.completionTokens
                e.finishReason = c.exchange.cancellation.isCancelled && r.finishReason != .cancelled ? "cancelled" : r.finishReason.rawValue
                e.completionText = auditText(r.text)
            }
        case .failure(let err):
            metrics.modelRequests.inc([tracker.model, err.code == "cancelled" ? "cancelled" : "error"])
            c.audit.update { $0.finishReason = err.code == "cancelled" ? "cancelled" : "error" }
        }
    }

    func embedding(_ c: Call) -> HandlerOutcome {
        let decoded: DecodedEmbedding
        do {
            let fields = try JSONFields.parse(c.request.body)
            decoded = c.route == .embeddings ? try OpenAIRequests.embedding(fields, requestID: c.requestID)
                                             : try OllamaRequests.embed(fields, requestID: c.requestID)
        } catch { return .now(c.error(error)) }
        c.audit.update {
            $0.model = decoded.request.model
            $0.params = JSONValue.object([("inputs", .int(decoded.request.inputs.count)),
                                          ("encoding_format", .string(decoded.base64 ? "base64" : "float"))]).serialized()
        }
        guard let backend else { return .now(c.error(.noBackend)) }
        guard let model = findModel(decoded.request.model, c.key) else { return .now(c.error(.modelNotFound(decoded.request.model))) }
        guard model.capabilities.contains(.embedding) else {
            return .now(c.error(.invalid("model '\(model.name)' does not support embeddings", param: "model", code: "unsupported_model")))
        }
        var resolved = decoded.request
        resolved.model = model.name
        let request = resolved
        c.audit.update { $0.model = model.name; $0.modelSHA256 = model.sha256 }
        let token = c.exchange.cancellation
        return .later { [self] in
            do {
                let r = try await backend.embed(request, cancel: token)
                metrics.tokens.inc([model.name, "prompt"], by: Double(r.promptTokens))
                metrics.modelRequests.inc([model.name, "embedding"])
                if let key = c.key { config.rateLimiter.charge(key, tokens: r.promptTokens) }
                c.audit.update { $0.promptTokens = r.promptTokens; $0.finishReason = "stop" }
                let total = DispatchTime.now().uptimeNanoseconds - c.exchange.startedAt
                return c.json(200, c.route == .embeddings ? OpenAIResponses.embeddings(r, model: model.name, base64: decoded.base64)
                                                          : OllamaResponses.embed(r, model: model.name, totalNanos: total))
            } catch {
                return c.error(Router.map(error, model: model.name))
            }
        }
    }
}
