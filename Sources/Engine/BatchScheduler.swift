import Foundation
import Models
import Sampling
import Synchronization
import Tokenizer

/// Continuous batching for one loaded model: concurrent generations share the weights, and each step
/// runs one batched forward pass holding one decode token of every running sequence plus a chunk of the
/// prompts of newly admitted ones.
///
/// - Slots: at most `slots` sequences run at once, each in a slot with its own `KVCache`. A slot keeps
///   its cache after its sequence ends, so a new request takes the free slot whose cached tokens share
///   the longest prefix with its prompt and computes only the rest (`cachedPromptTokens`).
/// - Joining and leaving: requests wait in arrival order for a free slot; sequences join and leave
///   between steps. A cancelled sequence (`GenerationHandle.cancel`) leaves at the next step, a waiting
///   one before it starts.
/// - Prefill is chunked: at most `prefillChunk` prompt tokens per step over all sequences, so a long
///   prompt delays the others' next tokens by one chunk at a time.
/// - Each sequence samples with its own sampler, stop strings and limits (`TokenStepper`, the rules of
///   `GenerationSession`), so its tokens do not depend on what it was batched with.
///
/// Work runs on one thread per scheduler; events are delivered on it, in order per sequence. The thread
/// keeps the scheduler alive until `shutdown`.
public final class BatchScheduler: @unchecked Sendable {
    public let model: any LanguageModel
    public let tokenizer: any TextTokenizer
    /// Positions per slot.
    public let contextLength: Int
    /// Prompt tokens computed per step, over all sequences.
    public let prefillChunk: Int
    /// Requests that may wait for a slot before `submit` refuses more.
    public let maxWaiting: Int

    /// One event of a scheduled generation.
    public enum Event: Sendable {
        /// A generated token and the text it completes.
        case token(GeneratedToken)
        /// The generation ended; the last event.
        case finished(GenerationResult)
        /// The generation failed (a model or sampling error); the last event.
        case failed(any Error)
    }

    final class Slot {
        let cache: KVCache
        /// Tokens whose keys and values are in `cache`, in order.
        var tokens: [Int32] = []
        var busy = false
        init(cache: KVCache) { self.cache = cache }
    }

    /// A request waiting for a slot. Handed once from the submitting thread to the worker (its sampler
    /// is then used by the worker only).
    struct Pending: @unchecked Sendable {
        let prompt: [Int32]
        let stepper: TokenStepper
        let handle: GenerationHandle
        let onEvent: @Sendable (Event) -> Void
    }

    /// A sequence in a slot.
    final class Running {
        let prompt: [Int32]
        var stepper: TokenStepper
        let handle: GenerationHandle
        let onEvent: @Sendable (Event) -> Void
        let slot: Slot
        let cached: Int
        /// Prompt tokens in the cache so far; the prompt is done when it reaches `prompt.count`.
        var prefilled: Int
        /// The sampled token to feed next (decode phase).
        var next: Int32?
        var clock = Stopwatch()
        var promptMilliseconds: Double = 0

        init(_ p: Pending, slot: Slot, cached: Int) {
            prompt = p.prompt
            stepper = p.stepper
            handle = p.handle
            onEvent = p.onEvent
            self.slot = slot
            self.cached = cached
            prefilled = cached
        }

        func emit(_ token: GeneratedToken) { onEvent(.token(token)) }
    }

    struct Shared {
        var waiting: [Pending] = []
        var running = 0
        var stopped = false
    }

    let shared = Mutex(Shared())
    let wake = NSCondition()
    /// Touched only by the worker thread.
    let slots: [Slot]
    var running: [Running] = []

    /// - Parameters:
    ///   - slots: sequences decoded together at most (each gets a KV cache of `contextLength` positions).
    ///   - contextLength: positions per slot (clamped to the model's training context).
    ///   - prefillChunk: prompt tokens per step, over all sequences.
    ///   - maxWaiting: requests that may wait for a slot; `submit` throws `EngineError.busy` beyond.
    public init(model: any LanguageModel, tokenizer: any TextTokenizer, slots: Int, contextLength: Int,
                prefillChunk: Int = 256, maxWaiting: Int = .max) {
        self.model = model
        self.tokenizer = tokenizer
        let context = min(contextLength, model.config.contextLength)
        self.slots = (0..<max(1, slots)).map { _ in Slot(cache: model.makeCache(maxTokens: context)) }
        self.contextLength = self.slots[0].cache.capacity
        self.prefillChunk = max(1, prefillChunk)
        self.maxWaiting = max(0, maxWaiting)
        let thread = Thread { [weak self] in self?.work() }
        thread.name = "owl.batch"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Number of slots (sequences decoded together at most).
    public var slotCount: Int { slots.count }

    /// Requests waiting for a slot.
    public var waitingCount: Int { shared.withLock { $0.waiting.count } }

    /// Sequences in slots now (prefilling or decoding).
    public var activeCount: Int { shared.withLock { $0.running } }

    /// Queues a generation of `prompt`; events go to `onEvent` on the scheduler's thread, ending with
    /// `.finished` or `.failed`. Returns at once.
    /// - Throws: `EngineError.emptyPrompt`, `.invalidParameter`, `.promptTooLong` (checked here, before
    ///   queueing), `.busy` when `maxWaiting` requests already wait, `.cancelled` after `shutdown`.
    public func submit(prompt rawPrompt: [Int32], options: GenerationOptions, sampler: Sampler, stop: [String] = [],
                       handle: GenerationHandle = GenerationHandle(),
                       onEvent: @escaping @Sendable (Event) -> Void) throws {
        let prompt = try GenerationSession.admit(rawPrompt, options: options, contextLength: contextLength)
        let stepper = TokenStepper(prompt: prompt, options: options, sampler: sampler, stop: stop, tokenizer: tokenizer)
        let pending = Pending(prompt: prompt, stepper: stepper, handle: handle, onEvent: onEvent)
        try shared.withLock { s in
            guard !s.stopped else { throw EngineError.cancelled }
            guard s.waiting.count < maxWaiting else { throw EngineError.busy(waiting: s.waiting.count) }
            s.waiting.append(pending)
        }
        signal()
    }

    /// `submit` as an async stream of `GenerationEvent`s ending with `.finished`; cancelling the consuming
    /// task (the stream's termination) cancels the generation.
    public func stream(prompt: [Int32], options: GenerationOptions, sampler: Sampler, stop: [String] = [],
                       handle: GenerationHandle = GenerationHandle()) -> AsyncThrowingStream<GenerationEvent, Error> {
        nonisolated(unsafe) let sampler = sampler
        return AsyncThrowingStream { continuation in
            continuation.onTermination = { _ in handle.cancel() }
            do {
                try submit(prompt: prompt, options: options, sampler: sampler, stop: stop, handle: handle) { event in
                    switch event {
                    case .token(let t): continuation.yield(.token(t))
                    case .finished(let r): continuation.yield(.finished(r)); continuation.finish()
                    case .failed(let e): continuation.finish(throwing: e)
                    }
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// Wakes the scheduler to look at cancellations (a `GenerationHandle` was cancelled).
    public func signal() {
        wake.lock()
        wake.signal()
        wake.unlock()
    }

    /// Stops the worker: waiting and running generations end with `.cancelled`.
    public func shutdown() {
        shared.withLock { $0.stopped = true }
        signal()
    }
}
