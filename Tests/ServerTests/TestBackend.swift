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

    /// The reply's pieces: "w0 ", "w1 ", … with the prompt's length in the first.
    static func pieces(for request: GenerationRequest, count: Int) -> [String] {
        let promptLength: Int
        switch request.input {
        case .chat(let m): promptLength = m.map(\.content.count).reduce(0, +)
        case .text(let t, _, _): promptLength = t.count
        }
        return (0..<count).map { $0 == 0 ? "len\(promptLength) " : "w\($0) " }
    }

    func generate(_ request: GenerationRequest, stream: ResponseStream, cancel: CancellationToken) async throws -> GenerationResult {
        generations.add(1, ordering: .relaxed)
        lastRequest.withLock { $0 = request }
        let c = config.withLock { $0 }
        let limit = request.parameters.maxTokens.map { min($0, c.pieces) } ?? c.pieces
        var text = ""
        for piece in TestBackend.pieces(for: request, count: limit) {
            if cancel.isCancelled || Task.isCancelled {
                cancelledAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                return GenerationResult(text: text, promptTokens: 3, completionTokens: text.split(separator: " ").count, finishReason: .cancelled)
            }
            if c.pieceDelay > 0 { try? await Task.sleep(nanoseconds: UInt64(c.pieceDelay * 1e9)) }
            text += piece
            if !stream.send(piece) {
                cancelledAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                return GenerationResult(text: text, promptTokens: 3, completionTokens: text.split(separator: " ").count, finishReason: .cancelled)
            }
        }
        return GenerationResult(text: text, promptTokens: 3, completionTokens: limit,
                                finishReason: limit < c.pieces ? .length : .stop)
    }

    /// Vectors: [characters, first scalar value, 0.5, -0.25] per input.
    func embed(_ request: EmbeddingRequest, cancel: CancellationToken) async throws -> EmbeddingResult {
        EmbeddingResult(vectors: request.inputs.map { [Float($0.count), Float($0.unicodeScalars.first?.value ?? 0), 0.5, -0.25] },
                        promptTokens: request.inputs.count * 2)
    }
}
