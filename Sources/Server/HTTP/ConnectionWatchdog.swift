import Foundation
import Synchronization

/// Closes connections that take too long to send a request (slowloris).
///
/// libmicrohttpd's own timeout is an idle timeout: a client sending one byte every few seconds never
/// trips it. The watchdog gives each connection a deadline for the request's headers (armed when the
/// connection opens and again after each response, for the next keep-alive request) and one for the
/// body (armed when the headers are in), and shuts down the socket of a connection that misses it.
/// The close notification removes a connection under the same lock before libmicrohttpd closes the
/// socket, so the watchdog never touches a descriptor that was reused.
final class ConnectionWatchdog: Sendable {
    private struct Entry {
        var fd: Int32
        var deadline: UInt64  // DispatchTime nanoseconds; 0 = none
        /// Called once if the peer closes while the server is working on its request.
        var onPeerClosed: (@Sendable () -> Void)?
    }
    private let entries = Mutex([UInt: Entry]())
    private let headerTimeoutNanos: UInt64
    private let bodyTimeoutNanos: UInt64
    private let running = Atomic<Bool>(true)
    private let killed = Atomic<Int>(0)
    /// Linux's POLLRDHUP (peer closed its end), which Glibc exports only under _GNU_SOURCE.
    static let pollRDHUP: Int16 = 0x2000

    init(headerTimeout: Double, bodyTimeout: Double) {
        headerTimeoutNanos = UInt64(max(0.05, headerTimeout) * 1e9)
        bodyTimeoutNanos = UInt64(max(0.05, bodyTimeout) * 1e9)
    }

    /// Connections open now.
    var openConnections: Int { entries.withLock { $0.count } }
    /// Connections closed for missing a deadline so far.
    var timedOut: Int { killed.load(ordering: .relaxed) }

    func opened(_ connection: OpaquePointer, fd: Int32) {
        let d = DispatchTime.now().uptimeNanoseconds + headerTimeoutNanos
        entries.withLock { $0[key(connection)] = Entry(fd: fd, deadline: d) }
    }

    func closed(_ connection: OpaquePointer) {
        _ = entries.withLock { $0.removeValue(forKey: key(connection)) }
    }

    /// Headers received: the body must now arrive within the body timeout.
    func headersReceived(_ connection: OpaquePointer) {
        let d = DispatchTime.now().uptimeNanoseconds + bodyTimeoutNanos
        entries.withLock { $0[key(connection)]?.deadline = d }
    }

    /// The request is complete: no deadline while the server works on it.
    func requestReceived(_ connection: OpaquePointer) {
        entries.withLock { $0[key(connection)]?.deadline = 0 }
    }

    /// The response is done: the next request's headers are due within the header timeout.
    func responseDone(_ connection: OpaquePointer) {
        let d = DispatchTime.now().uptimeNanoseconds + headerTimeoutNanos
        entries.withLock { e in
            e[key(connection)]?.deadline = d
            e[key(connection)]?.onPeerClosed = nil
        }
    }

    /// Watches for the client hanging up while its request is being worked on. A suspended connection
    /// is not polled by libmicrohttpd, so without this a client leaving during a long prefill would be
    /// noticed only at the next write; the sweep polls the socket for POLLRDHUP instead.
    func watchPeer(_ connection: OpaquePointer, _ handler: @escaping @Sendable () -> Void) {
        entries.withLock { $0[key(connection)]?.onPeerClosed = handler }
    }

    /// Starts the checking thread (ten checks per header timeout, at most every 100 ms).
    func start() {
        let interval = min(0.1, Double(headerTimeoutNanos) / 1e10)
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: interval)
                sweep()
            }
        }
        thread.name = "owl-http-watchdog"
        thread.start()
    }

    func stop() { running.store(false, ordering: .relaxed) }

    private func sweep() {
        let now = DispatchTime.now().uptimeNanoseconds
        let hungUp = entries.withLock { all -> [@Sendable () -> Void] in
            var handlers: [@Sendable () -> Void] = []
            for (k, e) in all {
                if e.deadline != 0 && e.deadline < now {
                    // libmicrohttpd sees end-of-file and closes the connection itself.
                    shutdown(e.fd, Int32(SHUT_RDWR))
                    all[k]?.deadline = 0
                    killed.add(1, ordering: .relaxed)
                }
                if let h = e.onPeerClosed {
                    var p = pollfd(fd: e.fd, events: ConnectionWatchdog.pollRDHUP, revents: 0)
                    if poll(&p, 1, 0) > 0, p.revents & (ConnectionWatchdog.pollRDHUP | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                        all[k]?.onPeerClosed = nil
                        handlers.append(h)
                    }
                }
            }
            return handlers
        }
        for h in hungUp { h() }
    }

    private func key(_ c: OpaquePointer) -> UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(c))) }
}
