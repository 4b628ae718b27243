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
/// Loading first takes room in the server's `MemoryBudget` (which may unload other idle models); unloading
/// gives it back.
final class ModelSlot: @unchecked Sendable {
    let name: String
    let budget: MemoryBudget
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

    init(name: String, budget: MemoryBudget) {
        self.name = name
        self.budget = budget
        queue = DispatchQueue(label: "owl.model.\(name)")
    }

    /// What the loaded model holds (estimated when it was admitted), 0 when not loaded.
    var memoryBytes: Int64 { budget.footprint(of: name)?.total ?? 0 }

    /// Records a finished request: for idle unloading and for the budget's least-recently-used order.
    private func markUsed() {
        lastUsed.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        budget.touch(name)
    }

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
                markUsed()
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
            markUsed()
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
            // A generation that started since the check above loads on this queue after this block (and
            // finds the model unloaded), or already holds the scheduler: then keep it.
            guard generating.load(ordering: .relaxed) == 0 else { return false }
            let had = generatorState != nil || embedderState != nil
            generatorState?.scheduler.shutdown()
            generatorState = nil
            embedderState = nil
            if had { budget.release(name) }
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
        try admit(resolved, context: context, parallel: parallel)
        do {
            let loaded = try Engine.LoadedModel(resolved, options: LoadOptions(mode: .fast, threads: threads))
            let scheduler = BatchScheduler(model: loaded.model, tokenizer: loaded.tokenizer, slots: parallel,
                                           contextLength: context, maxWaiting: maxWaiting)
            let g = Generator(model: loaded, scheduler: scheduler)
            generatorState = g
            return g
        } catch {
            budget.release(name)
            throw error
        }
    }

    /// Must be called on `queue` (inside `run`).
    func embedder(locator: ModelLocator, gate: LoadGate) throws -> Embedder {
        if let e = embedderState { return e }
        let resolved: ResolvedModel
        do { resolved = try locator.resolve(name) } catch { throw BackendError.modelNotFound(name) }
        try gate.clear(resolved)
        try admit(resolved, context: 0, parallel: 0)
        do {
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
        } catch {
            budget.release(name)
            throw error
        }
    }

    /// Takes room in the budget for `resolved`: a decoder's footprint from its metadata (`parallel` KV caches of
    /// `context` positions), an embedding model's from its files. Must be called on `queue`.
    private func admit(_ resolved: ResolvedModel, context: Int, parallel: Int) throws {
        let footprint: ModelFootprint
        if resolved.format == .gguf, let gguf = try? GGUFFile(path: resolved.path), gguf.architecture != "bert",
           let config = try? ModelConfig(gguf: gguf) {
            footprint = .decoder(config, fileBytes: Int64(gguf.file.count), context: context, slots: parallel, mode: .fast)
        } else {
            footprint = .embedder(fileBytes: Self.bytes(at: resolved.path))
        }
        try budget.admit(name, footprint)
    }

    /// Size of a file, or of the files in a folder (links followed).
    static func bytes(at path: String) -> Int64 {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return 0 }
        let files = isDir.boolValue ? ((try? fm.contentsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 } : [path]
        return files.reduce(Int64(0)) { sum, f in
            let resolved = (try? fm.destinationOfSymbolicLink(atPath: f)).map { $0.hasPrefix("/") ? $0 : (f as NSString).deletingLastPathComponent + "/" + $0 } ?? f
            return sum + ((try? fm.attributesOfItem(atPath: resolved)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
