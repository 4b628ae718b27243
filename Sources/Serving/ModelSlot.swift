import Checkpoint
import Dispatch
import Engine
import Foundation
import Models
import Server
import Synchronization
import Tokenizer

/// One installed model inside the server: loaded on first use, with a serial queue so its one shared
/// session (and KV cache) serves one request at a time.
final class ModelSlot: @unchecked Sendable {
    let name: String
    private let queue: DispatchQueue
    /// Touched only on `queue`.
    private var generatorState: Generator?
    private var embedderState: Embedder?

    struct Generator {
        let model: Engine.LoadedModel
        let session: GenerationSession
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
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Must be called on `queue` (inside `run`).
    func generator(locator: ModelLocator, threads: Int, context: Int) throws -> Generator {
        if let g = generatorState { return g }
        let resolved: ResolvedModel
        do { resolved = try locator.resolve(name) } catch { throw BackendError.modelNotFound(name) }
        guard resolved.format == .gguf else {
            throw BackendError.invalidRequest("\(name) is an embedding model; use /v1/embeddings or /api/embed")
        }
        let loaded = try Engine.LoadedModel(resolved, options: LoadOptions(mode: .fast, threads: threads))
        let g = Generator(model: loaded, session: loaded.makeSession(contextLength: context))
        generatorState = g
        return g
    }

    /// Must be called on `queue` (inside `run`).
    func embedder(locator: ModelLocator) throws -> Embedder {
        if let e = embedderState { return e }
        let resolved: ResolvedModel
        do { resolved = try locator.resolve(name) } catch { throw BackendError.modelNotFound(name) }
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
