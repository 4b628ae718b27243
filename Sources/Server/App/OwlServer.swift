import AccessControl
import AuditLog
import Foundation

/// The Owl API server: the HTTP layer plus the routes, with or without an inference backend.
///
///     let server = OwlServer(configuration: config, backend: engine)   // backend nil: no generation yet
///     try server.start()
///     …
///     server.stop()   // graceful: finishes or cancels requests, writes their audit records
public final class OwlServer: Sendable {
    public let configuration: ServerConfiguration
    public let metrics = ServerMetrics()
    let router: Router
    let http: HTTPServer

    public init(configuration: ServerConfiguration, backend: (any InferenceBackend)?) {
        self.configuration = configuration
        let box = HTTPServerBox()
        router = Router(config: configuration, backend: backend, metrics: metrics) {
            (box.server?.openConnections ?? 0, box.server?.timedOutConnections ?? 0)
        }
        http = HTTPServer(options: configuration.http, handler: router)
        box.server = http
    }

    /// Binds and starts serving.
    public func start() throws { try http.start() }

    /// The bound port.
    public var port: UInt16 { http.port }

    /// TCP connections open now.
    public var openConnections: Int { http.openConnections }

    /// Stops gracefully: no new connections, requests in progress get `grace` seconds to finish (then
    /// are cancelled), and every request's audit record is written before this returns.
    public func stop(grace: Double = 10) {
        http.stop(grace: grace)
        let deadline = Date().addingTimeInterval(grace + 5)
        while router.pendingAudits.load(ordering: .relaxed) > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
    }
}

/// Lets the router read connection counts from the HTTP server created after it.
final class HTTPServerBox: @unchecked Sendable {
    var server: HTTPServer?
}
