import Checkpoint
import Dispatch
import Engine
import Foundation
import Models
import Server
import Synchronization
import Tokenizer

/// One installed model inside the server: loaded on first use (on a serial queue, so one load at a time),
/// then generations go to its `BatchScheduler`, which decodes up to `parallel` of them together.
final class ModelSlot: @unchecked Sendable {
    let name: String
    private let queue: DispatchQueue
    /// Touched only on `queue`.
    private var generatorState: Generator?
    private var embedderState: Embedder?
    /// Requests waiting for the queue (loading, embeddings).
    private let pending = Atomic<Int>(0)
    /// Generations submitted to the scheduler and not yet finished.
    private let generating = Atomic<Int>(0)
    /// Uptime in nanoseconds when the last request finished.
    private let lastUsed = Atomic<UInt64>(0)

    struct Generator: Sendable {
        let model: Engine.LoadedModel
        let scheduler: BatchScheduler
    }

    struct Embedder {
        let model: BERTModel
        let tokenizer: any TextTokenizer
    }

    init(name: String) {
        self.name = name
        queue = DispatchQueue(label: "owl.model.\(name)")
    }

    /// Bytes of weights mapped or held (approximate: the files' sizes).
    var memoryBytes: Int64 { queue.sync { generatorState.map { Int64($0.model.gguf.file.count) } ?? 0 } }

    /// Runs `body` on this model's queue without blocking Swift's cooperative threads.
    /// - Throws: `BackendError.unavailable` when `maxPending` requests already wait for this model.
    func run<T: Sendable>(maxPending: Int, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let waiting = pending.add(1, ordering: .relaxed).newValue
        guard waiting <= maxPending else {
            pending.subtract(1, ordering: .relaxed)
            throw BackendError.unavailable("\(name) has \(waiting - 1) requests queued; retry shortly")
        }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                continuation.resume(with: Result { try body() })
                lastUsed.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                pending.subtract(1, ordering: .relaxed)
            }
        }
    }

    /// Runs a generation: `load` on this model's queue (loads on first use), then `body` with its result,
    /// outside the queue, counted as in use so the model is not unloaded under it.
    func generate<G: Sendable, T: Sendable>(maxPending: Int, load: @escaping @Sendable () throws -> G,
                                            _ body: (G) async throws -> T) async throws -> T {
        generating.add(1, ordering: .relaxed)
        defer {
            lastUsed.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            generating.subtract(1, ordering: .relaxed)
        }
        let g = try await run(maxPending: maxPending, load)
        return try await body(g)
    }

    /// Unloads the model when nothing is queued and it has been idle for `idle` seconds.
    /// - Returns: true when it unloaded.
    func unloadIfIdle(_ idle: Double) -> Bool {
        guard pending.load(ordering: .relaxed) == 0, generating.load(ordering: .relaxed) == 0 else { return false }
        let since = Double(DispatchTime.now().uptimeNanoseconds &- lastUsed.load(ordering: .relaxed)) / 1e9
        guard since >= idle else { return false }
        return queue.sync {
            let had = generatorState != nil || embedderState != nil
            generatorState?.scheduler.shutdown()
            generatorState = nil
            embedderState = nil
            return had
        }
    }

    /// Whether weights are loaded now.
    var isLoaded: Bool { queue.sync { generatorState != nil || embedderState != nil } }

    /// Requests queued or running now.
    var queued: Int { pending.load(ordering: .relaxed) + generating.load(ordering: .relaxed) }

    /// The scheduler, when the model is loaded for generation.
    var scheduler: BatchScheduler? { queue.sync { generatorState?.scheduler } }

    /// Must be called on `queue` (inside `run`).
    /// - Parameters:
    ///   - parallel: sequences decoded together (slots, each with a KV cache of `context` positions).
    ///   - maxWaiting: requests that may wait for a slot before new ones are refused.
    func generator(locator: ModelLocator, gate: LoadGate, threads: Int, context: Int, parallel: Int, maxWaiting: Int) throws -> Generator {
        if let g = generatorState { return g }
        let resolved: ResolvedModel
        do { resolved = try locator.resolve(name) } catch { throw BackendError.modelNotFound(name) }
        try gate.clear(resolved)
        guard resolved.format == .gguf else {
            throw BackendError.invalidRequest("\(name) is an embedding model; use /v1/embeddings or /api/embed")
        }
        let loaded = try Engine.LoadedModel(resolved, options: LoadOptions(mode: .fast, threads: threads))
        let scheduler = BatchScheduler(model: loaded.model, tokenizer: loaded.tokenizer, slots: parallel,
                                       contextLength: context, maxWaiting: maxWaiting)
        let g = Generator(model: loaded, scheduler: scheduler)
        generatorState = g
        return g
    }

    /// Must be called on `queue` (inside `run`).
    func embedder(locator: ModelLocator, gate: LoadGate) throws -> Embedder {
        if let e = embedderState { return e }
        let resolved: ResolvedModel
        do { resolved = try locator.resolve(name) } catch { throw BackendError.modelNotFound(name) }
        try gate.clear(resolved)
        let model: BERTModel
        switch resolved.format {
        case .huggingFace: model = try BERTModel(folder: HuggingFaceFolder(path: resolved.path))
        case .gguf:
            let gguf = try GGUFFile(path: resolved.path)
            guard gguf.architecture == "bert" else {
                throw BackendError.invalidRequest("\(name) is a \(gguf.architecture ?? "unknown") model, not an embedding model")
            }
            model = try BERTModel(gguf: gguf)
        }
        let e = Embedder(model: model, tokenizer: try Tokenizer.load(resolved))
        embedderState = e
        return e
    }
}
