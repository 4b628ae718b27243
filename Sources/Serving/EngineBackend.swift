import ChatTemplate
import Checkpoint
import Engine
import Foundation
import Models
import Sampling
import Governance
import Server
import Store
import Synchronization
import Tokenizer

/// The inference engine behind `owl serve`: lists the installed models, loads each on first use, and runs
/// generations and embeddings for the HTTP routes.
///
/// Scheduling: each loaded model has a `BatchScheduler` with `parallel` slots (each its own KV cache);
/// concurrent requests for the model are decoded together in one batched forward pass per step
/// (continuous batching: they join and leave between steps), and a request takes the free slot whose
/// cache shares the longest prefix with its prompt, so a repeated prefix is not computed again.
/// Requests beyond the slots wait in arrival order, at most `maxQueue` per model (more get 503).
/// Different models run in parallel.
/// A model idle for `keepAlive` seconds is unloaded (its weights unmapped); it loads again on next use.
public final class EngineBackend: InferenceBackend, @unchecked Sendable {
    let locator: ModelLocator
    let threads: Int
    let defaultContext: Int
    /// Requests allowed to wait for a slot per model before new ones get 503.
    let maxQueue: Int
    /// Sequences decoded together per model (its scheduler's slots).
    let parallel: Int
    /// Clears each model for loading (integrity and license policy) and records the decision.
    let gate: LoadGate
    private let slots = Mutex<[String: ModelSlot]>([:])
    /// Room for the models loaded at once (`--max-memory`, `--max-loaded`).
    public let memory: MemoryBudget
    private let reaper: DispatchSourceTimer?

    /// - Parameters:
    ///   - threads: worker threads per forward pass.
    ///   - contextLength: KV cache size per slot (clamped to each model's training context).
    ///   - keepAlive: seconds a model stays loaded after its last request (nil: forever).
    ///   - maxQueue: requests that may wait for a slot per model; more are refused with 503.
    ///   - parallel: slots per model: requests decoded together, each with its own KV cache.
    ///   - recorder: where policy decisions are recorded (the audit log); nil: $OWL_HOME/governance/decisions.jsonl.
    ///   - memory: how much the loaded models may hold together; loading one that does not fit unloads the least
    ///     recently used idle models first.
    public init(locator: ModelLocator, threads: Int, contextLength: Int = 4096, keepAlive: Double? = 300, maxQueue: Int = 64,
                parallel: Int = 4, recorder: (any DecisionRecorder)? = nil, memory: MemoryLimits = MemoryLimits()) {
        self.locator = locator
        self.gate = LoadGate(store: ModelStore(home: locator.home), recorder: recorder)
        self.threads = threads
        self.defaultContext = contextLength
        self.maxQueue = maxQueue
        self.parallel = max(1, parallel)
        self.memory = MemoryBudget(limits: memory)
        if let keepAlive {
            let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            timer.schedule(deadline: .now() + min(keepAlive, 5), repeating: min(keepAlive, 5))
            reaper = timer
        } else {
            reaper = nil
        }
        if let reaper, let keepAlive {
            reaper.setEventHandler { [weak self] in self?.unloadIdle(keepAlive) }
            reaper.resume()
        }
        connectBudget()
    }

    deinit { reaper?.cancel() }

    /// Starts evicting through this backend's slots (after init, as the budget cannot hold `self` before).
    private func connectBudget() {
        memory.onEvict { [weak self] name in
            guard let slot = self?.slots.withLock({ $0[name] }) else { return false }
            return slot.unloadIfIdle(0)
        }
    }

    /// Unloads models idle for at least `seconds`.
    public func unloadIdle(_ seconds: Double) {
        for slot in slots.withLock({ Array($0.values) }) { _ = slot.unloadIfIdle(seconds) }
    }

    /// Requests queued or running, over all models.
    public var queueDepth: Int { slots.withLock { $0.values.reduce(0) { $0 + $1.queued } } }

    /// Per loaded model: requests waiting for a slot, sequences in slots, and slots.
    public func schedulerLoad() -> [SchedulerLoad] {
        slots.withLock { Array($0.values) }.compactMap { slot in
            slot.scheduler.map { SchedulerLoad(model: slot.name, waiting: $0.waitingCount, active: $0.activeCount, slots: $0.slotCount) }
        }.sorted { $0.model < $1.model }
    }

    // MARK: Catalog

    public func models() -> [ModelDescriptor] {
        let dir = locator.home + "/models"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return names.compactMap { name in
            guard ModelLocator.isValidName(name), let m = try? StoreManifest.read(dir + "/" + name + "/manifest.json") else { return nil }
            let embedding = m.format == "safetensors"
            return ModelDescriptor(name: name, sha256: m.primarySHA256,
                                   capabilities: embedding ? [.embedding] : [.completion, .chat],
                                   format: m.format, sizeBytes: m.totalBytes, modifiedAt: m.installedAt, license: m.license)
        }
    }

    public func loadedModels() -> [Server.LoadedModel] {
        let loaded = slots.withLock { Array($0.values) }.filter(\.isLoaded)
        let descriptors = Dictionary(uniqueKeysWithValues: models().map { ($0.name, $0) })
        return loaded.compactMap { slot in
            descriptors[slot.name].map { Server.LoadedModel(model: $0, memoryBytes: slot.memoryBytes) }
        }
    }

    /// The slot for `name`, created (not yet loaded) on first use.
    func slot(_ name: String) throws -> ModelSlot {
        guard ModelLocator.isValidName(name), FileManager.default.fileExists(atPath: locator.home + "/models/" + name + "/manifest.json") else {
            throw BackendError.modelNotFound(name)
        }
        return slots.withLock { slots in
            if let s = slots[name] { return s }
            let s = ModelSlot(name: name, budget: memory)
            slots[name] = s
            return s
        }
    }

    // MARK: Generation

    public func generate(_ request: GenerationRequest, stream: ResponseStream, cancel: CancellationToken) async throws -> Server.GenerationResult {
        let slot = try slot(request.model)
        let (locator, gate, threads, context, parallel, maxQueue) = (locator, gate, threads, defaultContext, parallel, maxQueue)
        return try await slot.generate(maxPending: maxQueue, load: {
            try slot.generator(locator: locator, gate: gate, threads: threads, context: context, parallel: parallel, maxWaiting: maxQueue)
        }) { engine in
            try await Self.generate(request, engine: engine, stream: stream, cancel: cancel)
        }
    }

    /// A request as the engine takes it.
    struct Job {
        let prompt: [Int32]
        let options: GenerationOptions
        let sampler: Sampler
        let stop: [String]
    }

    /// Renders and tokenizes the prompt and builds the sampler.
    /// - Throws: `BackendError.invalidRequest` for a prompt or setting the model cannot take.
    static func job(_ request: GenerationRequest, model loaded: Engine.LoadedModel, contextLength: Int) throws -> Job {
        let prompt: [Int32]
        do {
            switch request.input {
            case .chat(let messages):
                prompt = try loaded.chatPrompt(messages.map { TemplateMessage(role: $0.role, content: $0.content) })
            case .text(let text, let system, let raw):
                if raw || loaded.template == nil {
                    prompt = loaded.rawPrompt((system.map { $0 + "\n\n" } ?? "") + text)
                } else {
                    var messages: [TemplateMessage] = []
                    if let system { messages.append(.init(role: "system", content: system)) }
                    messages.append(.init(role: "user", content: text))
                    prompt = try loaded.chatPrompt(messages)
                }
            }
        } catch let e as EngineError {
            throw BackendError.invalidRequest(e.description)
        } catch let e as TemplateError {
            throw BackendError.invalidRequest("the model's chat template failed: \(e)")
        }
        let p = request.parameters
        var config = SamplerConfig()
        if let t = p.temperature { config.temperature = Float(t) }
        if let k = p.topK { config.topK = k > 0 ? k : nil }
        if let v = p.topP { config.topP = v < 1 ? Float(v) : nil }
        if let v = p.minP { config.minP = v > 0 ? Float(v) : nil }
        if let v = p.repeatPenalty { config.repeatPenalty = Float(v) }
        if let v = p.presencePenalty { config.presencePenalty = Float(v) }
        if let v = p.frequencyPenalty { config.frequencyPenalty = Float(v) }
        config.seed = p.seed
        config.logitBias = Dictionary(uniqueKeysWithValues: p.logitBias.map { (Int32($0.key), Float($0.value)) })
        let sampler: Sampler
        do { sampler = try loaded.makeSampler(config) } catch let e as SamplingError {
            throw BackendError.invalidRequest(e.description)
        }
        var options = GenerationOptions()
        let room = contextLength - prompt.count
        options.maxTokens = min(p.maxTokens ?? room, max(room, 1))
        options.logprobs = p.logprobs.map { LogprobsCollector.engineTop($0.top) } ?? 0
        return Job(prompt: prompt, options: options, sampler: sampler, stop: p.stop)
    }

    /// Runs `request` on the model's scheduler, streaming text as it comes; a cancelled request (client
    /// gone, server stopping, task cancelled) leaves the batch at the next step.
    static func generate(_ request: GenerationRequest, engine: ModelSlot.Generator, stream: ResponseStream,
                         cancel: CancellationToken) async throws -> Server.GenerationResult {
        let scheduler = engine.scheduler
        let job = try job(request, model: engine.model, contextLength: scheduler.contextLength)
        let handle = GenerationHandle()
        let stop: @Sendable () -> Void = { handle.cancel(); scheduler.signal() }
        cancel.onCancel(stop)
        nonisolated(unsafe) let sampler = job.sampler
        let logprobs = request.parameters.logprobs.map { LogprobsCollector(tokenizer: engine.model.tokenizer, top: $0.top) }
        let r: Engine.GenerationResult
        do {
            r = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    do {
                        try scheduler.submit(prompt: job.prompt, options: job.options, sampler: sampler, stop: job.stop, handle: handle) { event in
                            switch event {
                            case .token(let token): if !stream.send(token.text, logprobs: logprobs?.attach(token) ?? []) { handle.cancel() }
                            case .finished(let result): continuation.resume(returning: result)
                            case .failed(let error): continuation.resume(throwing: error)
                            }
                        }
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: { stop() }
        } catch EngineError.busy(let waiting) {
            throw BackendError.unavailable("\(request.model) has \(waiting) requests waiting for its \(scheduler.slotCount) slots; retry shortly")
        } catch let e as EngineError {
            throw BackendError.invalidRequest(e.description)
        }
        let reason: Server.FinishReason = r.finishReason == .stop ? .stop : r.finishReason == .length ? .length : .cancelled
        return Server.GenerationResult(text: r.text, promptTokens: r.timings.promptTokens,
                                       completionTokens: r.tokens.count, finishReason: reason,
                                       cachedPromptTokens: r.timings.cachedPromptTokens, logprobs: logprobs?.records)
    }

    // MARK: Embeddings

    public func embed(_ request: EmbeddingRequest, cancel: CancellationToken) async throws -> EmbeddingResult {
        let slot = try slot(request.model)
        return try await slot.run(maxPending: maxQueue) { [self] in
            let e = try slot.embedder(locator: locator, gate: gate)
            var ids = request.inputs.map { e.tokenizer.encode($0, addSpecial: true, parseSpecial: true) }
            if let limit = e.tokenizer.maxSequenceLength, let long = ids.firstIndex(where: { $0.count > limit }), !request.truncate {
                throw BackendError.invalidRequest("input \(long) has \(ids[long].count) tokens; the model takes at most \(limit) (set truncate)")
            }
            ids = ids.map { e.tokenizer.truncate($0) }
            let vectors = try e.model.embed(ids.map { $0.map(Int32.init) }, batchSize: 32, threads: threads)
            let out = request.dimensions.map { d in vectors.map { Array($0.prefix(d)) } } ?? vectors
            return EmbeddingResult(vectors: out, promptTokens: ids.reduce(0) { $0 + $1.count })
        }
    }
}
