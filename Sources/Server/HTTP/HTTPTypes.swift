import Foundation

/// A fully received HTTP request.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// Header names in lowercase.
    public var headers: [String: String]
    public var body: [UInt8]
    /// The client's numeric address.
    public var client: String

    public init(method: String, path: String, headers: [String: String], body: [UInt8], client: String) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.client = client
    }
}

/// A complete response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response.
    public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }
}

/// What the HTTP layer sends: a whole body, or a stream produced while it is sent.
public enum HTTPReply: Sendable {
    case full(HTTPResponse)
    case stream(status: Int, headers: [(String, String)], body: StreamBody)

    var status: Int {
        switch self {
        case .full(let r): return r.status
        case .stream(let s, _, _): return s
        }
    }
}

/// How a handler answers: now (on the server thread), or later from async work (the connection is
/// suspended meanwhile and holds no thread).
public enum HandlerOutcome: Sendable {
    case now(HTTPReply)
    case later(@Sendable () async -> HTTPReply)
}

/// How a request ended, reported once to the exchange's completion handlers.
public struct CompletionInfo: Sendable {
    /// The status sent (0 when none was).
    public var status: Int
    /// False when the client went away or the connection failed before the response was complete.
    public var completed: Bool
    /// From the first handler call (headers received) to the end of the response.
    public var latencyNanos: UInt64
}

/// Per-request context the handler may fill in; its completion handlers run once when the request ends.
public final class Exchange: @unchecked Sendable {
    private let lock = NSLock()
    private var handlers: [@Sendable (CompletionInfo) -> Void] = []
    /// When the headers were received (`DispatchTime` nanoseconds).
    public let startedAt: UInt64 = DispatchTime.now().uptimeNanoseconds
    /// Set when the client disconnects before the response is complete, or the server shuts down.
    public let cancellation = CancellationToken()

    /// Adds a handler run once when the response is complete or the connection ends.
    public func onComplete(_ handler: @escaping @Sendable (CompletionInfo) -> Void) {
        lock.lock(); handlers.append(handler); lock.unlock()
    }

    func complete(_ info: CompletionInfo) {
        lock.lock(); let hs = handlers; handlers = []; lock.unlock()
        for h in hs { h(info) }
    }
}

/// The application side of the HTTP server.
public protocol HTTPHandler: Sendable {
    /// Answers a request. Called on a server thread: do only quick work here, return `.later` for more.
    func handle(_ request: HTTPRequest, exchange: Exchange) -> HandlerOutcome
    /// The reply for a request whose body exceeded the limit (Content-Length over `maxBodyBytes`).
    func bodyTooLarge(_ request: HTTPRequest, limit: Int, exchange: Exchange) -> HTTPResponse
}
