import CMicroHTTPD
import Foundation

/// The bytes of a streamed response: a producer appends, libmicrohttpd's content reader takes.
///
/// When the reader finds nothing to send it suspends the connection (no thread waits, no busy loop);
/// the next `write`, `finish` or `cancel` resumes it. Suspend and resume happen under one lock, so a
/// resume can never come before its suspend.
public final class StreamBody: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private var offset = 0
    private var finished = false
    private var cancelled = false
    private var suspended = false
    private var connection: OpaquePointer?
    private var cancelHandlers: [@Sendable () -> Void] = []

    public init() {}

    /// Appends bytes; returns false when the client is gone (the producer should stop).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !cancelled, !finished else { return false }
        buffer.append(contentsOf: bytes)
        resumeLocked()
        return true
    }

    /// Appends UTF-8 text.
    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Ends the stream after what was written.
    public func finish() {
        lock.lock()
        finished = true
        resumeLocked()
        lock.unlock()
    }

    /// True once the client is gone or the server cancelled the stream.
    public var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelled
    }

    /// Runs `handler` once when the stream is cancelled (client gone, shutdown).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        if cancelled { lock.unlock(); handler(); return }
        cancelHandlers.append(handler)
        lock.unlock()
    }

    /// Cancels the stream: the producer's next write fails and cancel handlers run.
    public func cancel() {
        lock.lock()
        guard !cancelled else { lock.unlock(); return }
        cancelled = true
        let handlers = cancelHandlers
        cancelHandlers = []
        resumeLocked()
        lock.unlock()
        for h in handlers { h() }
    }

    /// True when the producer called `finish` (or the stream was cancelled).
    var isDone: Bool {
        lock.lock(); defer { lock.unlock() }
        return finished || cancelled
    }

    func attach(_ connection: OpaquePointer?) {
        lock.lock(); self.connection = connection; lock.unlock()
    }

    /// Called when the connection is going away: no resume may follow.
    func detach() {
        lock.lock(); connection = nil; suspended = false; lock.unlock()
    }

    private func resumeLocked() {
        if suspended, let connection {
            suspended = false
            MHD_resume_connection(connection)
        }
    }

    /// The content reader: copies up to `max` bytes, or ends the stream, or suspends until more comes.
    func read(into buf: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if cancelled { return -2 }  // MHD_CONTENT_READER_END_WITH_ERROR
        let available = buffer.count - offset
        if available > 0 {
            let n = min(available, max)
            buffer.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                UnsafeMutableRawPointer(buf).copyMemory(from: base + offset, byteCount: n)
            }
            offset += n
            if offset == buffer.count { buffer.removeAll(keepingCapacity: true); offset = 0 }
            else if offset > 1 << 16 { buffer.removeFirst(offset); offset = 0 }
            return n
        }
        if finished { return -1 }  // MHD_CONTENT_READER_END_OF_STREAM
        if let connection, !suspended {
            suspended = true
            MHD_suspend_connection(connection)
        }
        return 0
    }
}
