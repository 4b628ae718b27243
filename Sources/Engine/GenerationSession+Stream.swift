import Foundation
import Sampling
import Synchronization

/// One event of a streamed generation.
public enum GenerationEvent: Sendable {
    /// A generated token and the text it completes.
    case token(GeneratedToken)
    /// The generation ended; the last event of the stream.
    case finished(GenerationResult)
}

/// Cancels a streamed generation from any thread; the generation stops before its next token.
public final class GenerationHandle: Sendable {
    private let cancelled = Atomic<Bool>(false)
    public init() {}
    public func cancel() { cancelled.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
}

extension GenerationSession {
    /// Generates on a background thread and delivers tokens as an async stream that ends with `.finished`.
    ///
    /// Cancel with `handle.cancel()` or by cancelling the consuming task (the stream's termination cancels
    /// the generation). The session must not be used for anything else until the stream finishes.
    /// - Throws (through the stream): `EngineError`, `ModelError`, `SamplingError`.
    public func stream(prompt: [Int32], options: GenerationOptions, sampler: Sampler, stop: [String] = [],
                       handle: GenerationHandle = GenerationHandle()) -> AsyncThrowingStream<GenerationEvent, Error> {
        nonisolated(unsafe) let session = self
        nonisolated(unsafe) let sampler = sampler
        return AsyncThrowingStream { continuation in
            continuation.onTermination = { _ in handle.cancel() }
            let thread = Thread {
                do {
                    let result = try session.generate(prompt: prompt, options: options, sampler: sampler, stop: stop,
                                                      isCancelled: { handle.isCancelled }) { continuation.yield(.token($0)) }
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
