import Foundation
import Synchronization

/// Set once when a request should stop (client gone, server shutting down). Handlers registered with
/// `onCancel` run once, on the thread that cancels (or at once when already cancelled).
public final class CancellationToken: Sendable {
    private struct State {
        var cancelled = false
        var handlers: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Cancels; runs the handlers once.
    public func cancel() {
        let handlers = state.withLock { s -> [@Sendable () -> Void] in
            guard !s.cancelled else { return [] }
            s.cancelled = true
            defer { s.handlers = [] }
            return s.handlers
        }
        for h in handlers { h() }
    }

    /// Runs `handler` when cancelled (at once when already cancelled).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.cancelled { return true }
            s.handlers.append(handler)
            return false
        }
        if now { handler() }
    }
}

/// Where a backend pushes generated text. The server formats each piece for the client's protocol
/// (OpenAI server-sent events, Ollama NDJSON) or, for non-streaming requests, only collects it.
public final class ResponseStream: Sendable {
    private let sink: @Sendable (String, [TokenLogprobs]) -> Bool
    private let state = Mutex((open: true, firstAt: UInt64(0), pieces: 0))

    /// `sink` delivers one piece of text and returns false when the client is gone.
    public init(sink: @escaping @Sendable (String) -> Bool) {
        self.sink = { text, _ in sink(text) }
    }

    /// `sink` delivers one piece of text with the log-probabilities of the tokens it completes (empty when the
    /// request asked for none) and returns false when the client is gone.
    public init(pieces sink: @escaping @Sendable (String, [TokenLogprobs]) -> Bool) {
        self.sink = sink
    }

    /// Sends a piece of generated text (empty pieces without logprobs are dropped). Returns false once the client
    /// has gone; the backend should then stop (the cancellation token is set as well).
    /// - Parameter logprobs: one record per token whose text this piece completes, when the request asked for them.
    @discardableResult
    public func send(_ text: String, logprobs: [TokenLogprobs] = []) -> Bool {
        guard !text.isEmpty || !logprobs.isEmpty else { return isOpen }
        let open = state.withLock { s -> Bool in
            if s.open, s.firstAt == 0 { s.firstAt = DispatchTime.now().uptimeNanoseconds }
            if s.open { s.pieces += 1 }
            return s.open
        }
        guard open else { return false }
        if !sink(text, logprobs) {
            state.withLock { $0.open = false }
            return false
        }
        return true
    }

    /// False once the client has gone.
    public var isOpen: Bool { state.withLock { $0.open } }

    /// When the first piece was sent (`DispatchTime` nanoseconds), 0 before; for time-to-first-token.
    public var firstPieceAt: UInt64 { state.withLock { $0.firstAt } }

    /// How many pieces were sent.
    public var piecesSent: Int { state.withLock { $0.pieces } }
}
