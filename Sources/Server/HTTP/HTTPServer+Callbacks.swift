import CMicroHTTPD
import Foundation

/// One request's state between libmicrohttpd's calls (kept in its per-request context pointer).
final class RequestState: @unchecked Sendable {
    let exchange = Exchange()
    let connection: OpaquePointer
    private let lock = NSLock()
    var body: [UInt8] = []
    var status = 0
    private var streamBody: StreamBody?
    /// The streamed body, once queued (read by the shutdown thread too, hence the lock).
    var stream: StreamBody? {
        get { lock.lock(); defer { lock.unlock() }; return streamBody }
        set { lock.lock(); streamBody = newValue; lock.unlock() }
    }
    private var pending: HTTPReply?
    private var waiting = false
    private var delivered = false

    init(connection: OpaquePointer) { self.connection = connection }

    /// Suspends the connection until `deliver` (called from the async work).
    func beginWaiting() {
        lock.lock(); waiting = true; lock.unlock()
        MHD_suspend_connection(connection)
    }

    /// Hands the async work's reply over and resumes the connection (once).
    func deliver(_ reply: HTTPReply) {
        lock.lock()
        guard waiting, !delivered else { lock.unlock(); return }
        delivered = true
        pending = reply
        lock.unlock()
        MHD_resume_connection(connection)
    }

    /// The delivered reply, taken once.
    func takeReply() -> HTTPReply? {
        lock.lock(); defer { lock.unlock() }
        let r = pending
        pending = nil
        return r
    }

    var isWaiting: Bool { lock.lock(); defer { lock.unlock() }; return waiting }

    /// Shutdown: cancel the work and the stream.
    func abandon() {
        exchange.cancellation.cancel()
        stream?.cancel()
    }

    /// Shutdown after the grace period: answer 503 to a request whose work has not returned.
    func forceResume() {
        deliver(.full(.json(503, #"{"error":{"message":"the server is shutting down","type":"server_error","code":"shutting_down"}}"#)))
    }
}

extension HTTPServer {
    func connectionNotified(_ connection: OpaquePointer, _ code: MHD_ConnectionNotificationCode) {
        if code == .CONNECTION_NOTIFY_STARTED {
            let fd = owl_mhd_connection_fd(connection)
            if fd >= 0 { watchdog.opened(connection, fd: fd) }
        } else {
            watchdog.closed(connection)
        }
    }

    func access(_ connection: OpaquePointer, _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                _ upload: UnsafePointer<CChar>?, _ uploadSize: UnsafeMutablePointer<Int>,
                _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let raw = conCls.pointee else {
            // First call: headers are in. Respond on a later call (a response queued now closes the connection).
            let state = RequestState(connection: connection)
            conCls.pointee = Unmanaged.passRetained(state).toOpaque()
            track(state)
            if let lengthText = lookupHeader(connection, "Content-Length"), let length = Int(lengthText),
               length > options.maxBodyBytes {
                // Answer before the body: libmicrohttpd then skips it and closes the connection, which is
                // what an oversized upload deserves (a response queued once body data flows would fail).
                watchdog.requestReceived(connection)
                return queue(.full(handler.bodyTooLarge(request(connection, url, method, state), limit: options.maxBodyBytes,
                                                        exchange: state.exchange)), state)
            }
            watchdog.headersReceived(connection)
            return .YES
        }
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeUnretainedValue()
        if state.isWaiting {
            // Resumed: the async work delivered its reply.
            guard let reply = state.takeReply() else { return .NO }
            return queue(reply, state)
        }
        if uploadSize.pointee > 0 {
            let n = uploadSize.pointee
            if state.body.count + n > options.maxBodyBytes {
                // A chunked body over the limit (no Content-Length to refuse early): drop the connection.
                return .NO
            }
            if let upload {
                upload.withMemoryRebound(to: UInt8.self, capacity: n) { state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            }
            uploadSize.pointee = 0
            return .YES
        }
        watchdog.requestReceived(connection)
        let req = request(connection, url, method, state)
        switch handler.handle(req, exchange: state.exchange) {
        case .now(let reply):
            return queue(reply, state)
        case .later(let work):
            let token = state.exchange.cancellation
            watchdog.watchPeer(connection) { token.cancel() }
            state.beginWaiting()
            let task = Task { state.deliver(await work()) }
            token.onCancel { task.cancel() }
            return .YES
        }
    }

    private func request(_ connection: OpaquePointer, _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                         _ state: RequestState) -> HTTPRequest {
        var headers: [String: String] = [:]
        withUnsafeMutablePointer(to: &headers) { box in
            _ = MHD_get_connection_values(connection, .HEADER_KIND, { cls, _, key, value in
                guard let cls, let key else { return .YES }
                let h = cls.assumingMemoryBound(to: [String: String].self)
                h.pointee[String(cString: key).lowercased()] = value.map { String(cString: $0) } ?? ""
                return .YES
            }, box)
        }
        return HTTPRequest(method: method.map { String(cString: $0) } ?? "GET", path: url.map { String(cString: $0) } ?? "/",
                           headers: headers, body: state.body, client: clientAddress(connection))
    }

    private func lookupHeader(_ connection: OpaquePointer, _ name: String) -> String? {
        MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
    }

    private func clientAddress(_ connection: OpaquePointer) -> String {
        guard let sa = owl_mhd_client_address(connection) else { return "" }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let length = sa.pointee.sa_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        guard getnameinfo(sa, socklen_t(length), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { return "" }
        return String(cString: host)
    }

    private func queue(_ reply: HTTPReply, _ state: RequestState) -> MHD_Result {
        let response: OpaquePointer?
        let headers: [(String, String)]
        switch reply {
        case .full(let r):
            headers = r.headers
            response = r.body.withUnsafeBytes {
                MHD_create_response_from_buffer(r.body.count, UnsafeMutableRawPointer(mutating: $0.baseAddress), .RESPMEM_MUST_COPY)
            }
        case .stream(_, let h, let body):
            headers = h
            let reader: MHD_ContentReaderCallback = { cls, _, buf, max in
                guard let cls, let buf else { return -2 }
                return Unmanaged<StreamBody>.fromOpaque(cls).takeUnretainedValue().read(into: buf, max: max)
            }
            let release: MHD_ContentReaderFreeCallback = { cls in
                guard let cls else { return }
                Unmanaged<StreamBody>.fromOpaque(cls).release()
            }
            body.attach(state.connection)
            state.stream = body
            watchdog.watchPeer(state.connection) { body.cancel() }
            response = MHD_create_response_from_callback(UInt64.max, 4096, reader,
                                                         Unmanaged.passRetained(body).toOpaque(), release)
        }
        guard let response else { return .NO }
        for (k, v) in headers { MHD_add_response_header(response, k, v) }
        state.status = reply.status
        let result = MHD_queue_response(state.connection, UInt32(reply.status), response)
        MHD_destroy_response(response)
        return result
    }

    func requestCompleted(_ connection: OpaquePointer?, _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                          _ code: MHD_RequestTerminationCode) {
        guard let conCls, let raw = conCls.pointee else { return }
        conCls.pointee = nil
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeRetainedValue()
        let ok = code == .REQUEST_TERMINATED_COMPLETED_OK
        if let stream = state.stream {
            stream.detach()
            if !ok || !stream.isDone { stream.cancel() }
        }
        if !ok { state.exchange.cancellation.cancel() }
        if let connection { watchdog.responseDone(connection) }
        let latency = DispatchTime.now().uptimeNanoseconds - state.exchange.startedAt
        state.exchange.complete(CompletionInfo(status: state.status, completed: ok, latencyNanos: latency))
        untrack(state)
    }
}
