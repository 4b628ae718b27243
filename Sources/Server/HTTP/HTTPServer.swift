import CMicroHTTPD
import Foundation
import Synchronization

/// How the HTTP server listens and what it tolerates.
public struct HTTPServerOptions: Sendable {
    /// Address to listen on (IPv4 or IPv6 literal).
    public var host = "127.0.0.1"
    /// 0 picks a free port (read `HTTPServer.port` after `start`).
    public var port: UInt16 = 11435
    /// Event-loop threads (each runs epoll over its share of the connections). More than the cores:
    /// a thread that finishes a request commits its audit record (an fsync) before serving more, and
    /// the records of threads finishing together share one commit, so more threads mean fewer waits.
    public var threads = max(16, 2 * ProcessInfo.processInfo.activeProcessorCount)
    /// Open connections per client address at most (0: no limit).
    public var maxConnectionsPerIP = 0
    /// Open connections at most; more are refused at accept.
    public var maxConnections = 10_000
    /// Seconds a connection may sit idle (no bytes either way) before it is closed.
    public var idleTimeout = 60
    /// Seconds a client has to send a request's headers (slowloris guard).
    public var headerTimeout = 10.0
    /// Seconds a client has to send the body once the headers are in.
    public var bodyTimeout = 60.0
    /// Largest request body; larger is answered 413.
    public var maxBodyBytes = 8 << 20
    /// PEM certificate and key; nil serves plain HTTP.
    public var tls: (certificate: String, key: String)?

    public init() {}
}

/// Errors starting the server, with the fix.
public enum HTTPServerError: Error, CustomStringConvertible, Equatable {
    case badAddress(String)
    case cannotListen(host: String, port: UInt16)
    case tlsUnsupported

    public var description: String {
        switch self {
        case .badAddress(let h): return "'\(h)' is not an IPv4 or IPv6 address; use for example 127.0.0.1 or ::1"
        case .cannotListen(let h, let p): return "cannot listen on \(h):\(p); is another server using the port? Pick another with --port"
        case .tlsUnsupported: return "this libmicrohttpd was built without TLS support; install a build with GnuTLS or put a TLS proxy in front"
        }
    }
}

/// HTTP/1.1 on libmicrohttpd: epoll event loops in a thread pool, body limit, slowloris watchdog,
/// suspended connections for async work and streams (no thread is held while waiting).
public final class HTTPServer: @unchecked Sendable {
    let options: HTTPServerOptions
    let handler: any HTTPHandler
    let watchdog: ConnectionWatchdog
    private var daemon: OpaquePointer?
    private var selfRef: Unmanaged<HTTPServer>?
    private let active = Mutex([ObjectIdentifier: RequestState]())
    // Kept alive for the daemon's lifetime (libmicrohttpd keeps pointers to them).
    private var certificate: UnsafeMutablePointer<CChar>?
    private var key: UnsafeMutablePointer<CChar>?
    private var address = sockaddr_storage()

    /// The bound port (after `start`).
    public private(set) var port: UInt16 = 0

    public init(options: HTTPServerOptions, handler: any HTTPHandler) {
        self.options = options
        self.handler = handler
        watchdog = ConnectionWatchdog(headerTimeout: options.headerTimeout, bodyTimeout: options.bodyTimeout)
    }

    /// Whether this libmicrohttpd supports TLS.
    public static var supportsTLS: Bool { MHD_is_feature_supported(.FEATURE_TLS) == .YES }

    /// Connections open now.
    public var openConnections: Int { watchdog.openConnections }
    /// Connections closed by the watchdog so far.
    public var timedOutConnections: Int { watchdog.timedOut }
    /// Requests being received or answered now.
    public var activeRequests: Int { active.withLock { $0.count } }

    /// Binds and starts the event loops.
    public func start() throws {
        try fillAddress()
        // No MHD_USE_ERROR_LOG: it reports every client that hangs up on stderr; start failures are
        // reported below, request problems go to the client and the audit log.
        var flags = UInt32(MHD_USE_EPOLL_INTERNAL_THREAD.rawValue) | UInt32(MHD_ALLOW_SUSPEND_RESUME.rawValue)
        if address.ss_family == sa_family_t(AF_INET6) { flags |= UInt32(MHD_USE_IPv6.rawValue) }
        if let tls = options.tls {
            guard HTTPServer.supportsTLS else { throw HTTPServerError.tlsUnsupported }
            flags |= UInt32(MHD_USE_TLS.rawValue)
            certificate = strdup(tls.certificate)
            key = strdup(tls.key)
        }
        let ref = Unmanaged.passRetained(self)
        selfRef = ref
        let ctx = ref.toOpaque()
        let completed: MHD_RequestCompletedCallback = { cls, connection, conCls, code in
            guard let cls else { return }
            Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().requestCompleted(connection, conCls, code)
        }
        let notify: MHD_NotifyConnectionCallback = { cls, connection, _, code in
            guard let cls, let connection else { return }
            Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().connectionNotified(connection, code)
        }
        let access: MHD_AccessHandlerCallback = { cls, connection, url, method, _, upload, uploadSize, conCls in
            guard let cls, let connection, let conCls, let uploadSize else { return .NO }
            return Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
                .access(connection, url, method, upload, uploadSize, conCls)
        }
        // Variadic options: function and string pointers travel as pointer-sized integers.
        func fn<T>(_ f: T) -> Int { unsafeBitCast(f, to: Int.self) }
        daemon = withUnsafeMutablePointer(to: &address) { addr in
            addr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                var args: [CVarArg] = [
                    CInt(MHD_OPTION.SOCK_ADDR.rawValue), OpaquePointer(sa),
                    CInt(MHD_OPTION.THREAD_POOL_SIZE.rawValue), CUnsignedInt(options.threads),
                    CInt(MHD_OPTION.CONNECTION_LIMIT.rawValue), CUnsignedInt(options.maxConnections),
                    CInt(MHD_OPTION.CONNECTION_TIMEOUT.rawValue), CUnsignedInt(options.idleTimeout),
                    CInt(MHD_OPTION.LISTEN_BACKLOG_SIZE.rawValue), CUnsignedInt(1024),
                    CInt(MHD_OPTION.PER_IP_CONNECTION_LIMIT.rawValue), CUnsignedInt(options.maxConnectionsPerIP),
                    CInt(MHD_OPTION.NOTIFY_COMPLETED.rawValue), fn(completed), OpaquePointer(ctx),
                    CInt(MHD_OPTION.NOTIFY_CONNECTION.rawValue), fn(notify), OpaquePointer(ctx),
                ]
                if options.tls != nil {
                    args += [CInt(MHD_OPTION.HTTPS_MEM_CERT.rawValue), Int(bitPattern: certificate),
                             CInt(MHD_OPTION.HTTPS_MEM_KEY.rawValue), Int(bitPattern: key)]
                }
                args.append(CInt(MHD_OPTION.END.rawValue))
                return withVaList(args) { va in
                    MHD_start_daemon_va(flags, options.port, nil, nil, access, ctx, va)
                }
            }
        }
        guard let daemon else {
            ref.release()
            selfRef = nil
            throw HTTPServerError.cannotListen(host: options.host, port: options.port)
        }
        port = owl_mhd_bound_port(daemon)
        watchdog.start()
    }

    /// Stops gracefully: stops accepting, lets requests in progress finish for up to `grace` seconds,
    /// cancels the rest (their completion handlers still run, so audit records are written), then stops.
    public func stop(grace: Double = 10) {
        guard let daemon else { return }
        _ = MHD_quiesce_daemon(daemon)
        let deadline = Date().addingTimeInterval(grace)
        while activeRequests > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        for state in active.withLock({ Array($0.values) }) { state.abandon() }
        let hard = Date().addingTimeInterval(5)
        while activeRequests > 0 && Date() < hard { Thread.sleep(forTimeInterval: 0.01) }
        // Connections still suspended must be resumed before MHD_stop_daemon.
        for state in active.withLock({ Array($0.values) }) { state.forceResume() }
        MHD_stop_daemon(daemon)
        self.daemon = nil
        watchdog.stop()
        free(certificate)
        free(key)
        certificate = nil
        key = nil
        selfRef?.release()
        selfRef = nil
    }

    private func fillAddress() throws {
        address = sockaddr_storage()
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, options.host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = options.port.bigEndian
            withUnsafeMutableBytes(of: &address) { dst in withUnsafeBytes(of: v4) { dst.copyMemory(from: $0) } }
            return
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, options.host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = options.port.bigEndian
            withUnsafeMutableBytes(of: &address) { dst in withUnsafeBytes(of: v6) { dst.copyMemory(from: $0) } }
            return
        }
        throw HTTPServerError.badAddress(options.host)
    }

    func track(_ state: RequestState) { active.withLock { $0[ObjectIdentifier(state)] = state } }
    func untrack(_ state: RequestState) { _ = active.withLock { $0.removeValue(forKey: ObjectIdentifier(state)) } }
}
