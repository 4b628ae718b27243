import Foundation
import Server
import Synchronization

/// A deterministic stand-in for the inference engine (test target only): it "generates" the words of
/// a reply derived from the prompt, one piece per `pieceDelay`, and records cancellations.
final class TestBackend: InferenceBackend {
    struct Config {
        var pieces: Int = 5
        var pieceDelay: Double = 0
    }
    private let config: Mutex<Config>
    /// When the backend noticed cancellation (`DispatchTime` ns), 0 if never.
    let cancelledAt = Atomic<UInt64>(0)
    let generations = Atomic<Int>(0)
    private let lastRequest = Mutex<GenerationRequest?>(nil)

    init(pieces: Int = 5, pieceDelay: Double = 0) {
        config = Mutex(Config(pieces: pieces, pieceDelay: pieceDelay))
    }

    func set(pieces: Int, delay: Double) { config.withLock { $0 = Config(pieces: pieces, pieceDelay: delay) } }
    var last: GenerationRequest? { lastRequest.withLock { $0 } }

    func models() -> [ModelDescriptor] {
        [
            ModelDescriptor(name: "tiny-chat", sha256: String(repeating: "a", count: 64), capabilities: [.chat, .completion],
                            family: "llama", parameterSize: "1M", quantization: "Q8_0", contextLength: 512, sizeBytes: 1000,
                            license: "apache-2.0", template: "{{ messages }}"),
            ModelDescriptor(name: "other-model", sha256: String(repeating: "b", count: 64), capabilities: [.chat, .completion], family: "gemma3"),
            ModelDescriptor(name: "tiny-embed", sha256: String(repeating: "c", count: 64), capabilities: [.embedding], family: "bert",
                            format: "safetensors"),
        ]
    }

    func loadedModels() -> [LoadedModel] { [LoadedModel(model: models()[0], memoryBytes: 4096)] }

    /// Generations running now (for the scheduler hook).
    let running = Atomic<Int>(0)

    /// Like a batching backend: tiny-chat with 2 slots while anything runs, nothing when idle.
    func schedulerLoad() -> [SchedulerLoad] {
        let n = running.load(ordering: .relaxed)
        return n == 0 ? [] : [SchedulerLoad(model: "tiny-chat", waiting: 0, active: n, slots: 2)]
    }

    /// The reply's pieces: "w0 ", "w1 ", … with the prompt's length in the first.
    static func pieces(for request: GenerationRequest, count: Int) -> [String] {
        let promptLength: Int
        switch request.input {
        case .chat(let m): promptLength = m.map(\.content.count).reduce(0, +)
        case .text(let t, _, _): promptLength = t.count
        }
        return (0..<count).map { $0 == 0 ? "len\(promptLength) " : "w\($0) " }
    }

    /// The record of piece `i` when logprobs are asked: logprob -(i+1)/8 (exact in binary), and `top` alternatives
    /// best first: the piece itself, then "alt1", "alt2", … each 1 lower.
    static func logprobs(piece: String, index i: Int, top: Int) -> TokenLogprobs {
        let lp = -Double(i + 1) / 8
        let alternatives = (0..<top).map { k in
            let t = k == 0 ? piece : "alt\(k)"
            return TokenLogprobs.Alternative(token: t, bytes: Array(t.utf8), logprob: lp - Double(k))
        }
        return TokenLogprobs(token: piece, bytes: Array(piece.utf8), logprob: lp, top: alternatives)
    }

    func generate(_ request: GenerationRequest, stream: ResponseStream, cancel: CancellationToken) async throws -> GenerationResult {
        generations.add(1, ordering: .relaxed)
        running.add(1, ordering: .relaxed)
        defer { running.subtract(1, ordering: .relaxed) }
        lastRequest.withLock { $0 = request }
        let c = config.withLock { $0 }
        let limit = request.parameters.maxTokens.map { min($0, c.pieces) } ?? c.pieces
        var text = ""
        var records: [TokenLogprobs] = []
        for (i, piece) in TestBackend.pieces(for: request, count: limit).enumerated() {
            if cancel.isCancelled || Task.isCancelled {
                cancelledAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                return GenerationResult(text: text, promptTokens: 3, completionTokens: text.split(separator: " ").count, finishReason: .cancelled)
            }
            if c.pieceDelay > 0 { try? await Task.sleep(nanoseconds: UInt64(c.pieceDelay * 1e9)) }
            text += piece
            let record = request.parameters.logprobs.map { [TestBackend.logprobs(piece: piece, index: i, top: $0.top)] } ?? []
            records += record
            if !stream.send(piece, logprobs: record) {
                cancelledAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                return GenerationResult(text: text, promptTokens: 3, completionTokens: text.split(separator: " ").count, finishReason: .cancelled)
            }
        }
        return GenerationResult(text: text, promptTokens: 3, completionTokens: limit,
                                finishReason: limit < c.pieces ? .length : .stop,
                                logprobs: request.parameters.logprobs == nil ? nil : records)
    }

    /// Vectors: [characters, first scalar value, 0.5, -0.25] per input.
    func embed(_ request: EmbeddingRequest, cancel: CancellationToken) async throws -> EmbeddingResult {
        EmbeddingResult(vectors: request.inputs.map { [Float($0.count), Float($0.unicodeScalars.first?.value ?? 0), 0.5, -0.25] },
                        promptTokens: request.inputs.count * 2)
    }
}
