import Checkpoint
import Foundation
import Models
import Support
import Tokenizer

/// `owl embed MODEL TEXT…`: sentence embeddings.
enum EmbedCommand: Command {
    static let name = "embed"
    static let summary = "Print sentence embeddings (BERT models such as all-minilm-l6-v2)"
    static let help = """
    Usage: owl embed MODEL TEXT... [--json] [-f FILE] [--batch N] [--threads N]

    Embeds each TEXT (or each line of FILE, or of standard input with -) with an encoder model, pooled and
    normalized as the model's 1_Pooling/modules.json say, and prints one embedding per text.

    Options:
      -f FILE        embed every non-empty line of FILE
      -              embed every non-empty line of standard input
      --batch N      sentences per batch (default 32)
      --threads N    worker threads (default: the number of cores)
      --json         print {"embeddings": [[...], ...]}

    Example:
      owl embed all-minilm-l6-v2 "A cat sits on the mat." "Owls hunt at night." --json
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let file = try args.option("-f", "--file")
        let batch = try args.int("--batch", in: 1...4096) ?? 32
        let threads = try args.int("--threads", "-t", in: 1...512) ?? ProcessInfo.processInfo.activeProcessorCount
        let positionals = try args.positionals()
        guard let modelName = positionals.first else { throw CLIError.usage(name, "expected a MODEL") }
        var texts = Array(positionals.dropFirst())
        if let file {
            texts = try PromptInput.read(positionals: [], file: file, command: name).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        } else if texts == ["-"] {
            texts = try PromptInput.read(positionals: ["-"], file: nil, command: name).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
        guard !texts.isEmpty else { throw CLIError.usage(name, "expected at least one TEXT") }
        let resolved = try ModelOpener.clear(modelName, command: name, context: context)
        let model: BERTModel
        switch resolved.format {
        case .huggingFace: model = try BERTModel(folder: HuggingFaceFolder(path: resolved.path))
        case .gguf: model = try BERTModel(gguf: GGUFFile(path: resolved.path))
        }
        let tokenizer = try Tokenizer.load(resolved)
        let ids = texts.map { tokenizer.truncate(tokenizer.encode($0, addSpecial: true, parseSpecial: true)).map(Int32.init) }
        let start = Date()
        let vectors = try model.embed(ids, batchSize: batch, threads: threads)
        let seconds = Date().timeIntervalSince(start)
        if json {
            context.out(JSONValue.object([("embeddings", .array(vectors.map { .array($0.map { .double(Double($0)) }) }))]).serialized())
        } else {
            for v in vectors { context.out(v.map { String(format: "%.6f", $0) }.joined(separator: " ")) }
            context.err(String(format: "%d texts in %.2f s (%.0f texts/s)", texts.count, seconds, Double(texts.count) / max(seconds, 1e-9)))
        }
        return 0
    }
}
