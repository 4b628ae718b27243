import Engine
import Foundation
import Models
import Support

/// `owl perplexity MODEL FILE`: llama-perplexity's measurement.
enum PerplexityCommand: Command {
    static let name = "perplexity"
    static let summary = "Measure perplexity on a text file (llama-perplexity's method)"
    static let help = """
    Usage: owl perplexity MODEL FILE [--ctx 512] [--chunks N] [--json] [--reference] [--threads N]

    Splits the tokenized FILE into non-overlapping chunks of --ctx tokens, evaluates each from an empty
    cache, and scores the second half of each chunk (as llama-perplexity does; for a model that adds BOS,
    each chunk's first token is replaced by BOS). Prints the running value after each chunk.

    Options:
      --ctx N        chunk length in tokens (default 512)
      --chunks N     stop after N chunks (default: all)
      --reference    exact float math on dequantized weights (slow)
      --threads N    worker threads (default: the number of cores)
      --json         print {"ppl": ..., "chunks": ..., "tokens": ...}

    Example:
      owl perplexity smollm2-135m-instruct /usr/share/common-licenses/GPL-3 --chunks 4
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let ctx = try args.int("--ctx", "-c", in: 16...1_048_576) ?? 512
        let chunks = try args.int("--chunks", in: 1...1_000_000)
        var flags = GenerationFlags()
        flags.reference = args.flag("--reference")
        flags.threads = try args.int("--threads", "-t", in: 1...512) ?? ProcessInfo.processInfo.activeProcessorCount
        let positionals = try args.positionals()
        guard positionals.count == 2 else { throw CLIError.usage(name, "expected MODEL and FILE") }
        let text = try PromptInput.read(positionals: [], file: positionals[1], command: name)
        let loaded = try ModelOpener.open(positionals[0], flags: flags, context: context, command: name)
        let tokens = loaded.tokenizer.encode(text, addSpecial: false, parseSpecial: false).map(Int32.init)
        let bos = loaded.tokenizer.addsBOS ? loaded.bosID : nil
        let total = min(tokens.count / ctx, chunks ?? Int.max)
        guard total > 0 else {
            throw CLIError.failed("the text has \(tokens.count) tokens, fewer than one chunk of \(ctx); use a longer text or a smaller --ctx")
        }
        let bar = ProgressBar("perplexity", enabled: context.stderrIsTerminal && !json)
        let report = try Perplexity.evaluate(model: loaded.model, tokens: tokens, context: ctx, bos: bos, maxChunks: total) { index, running in
            bar.update(Int64(index + 1), Int64(total))
            if !json && !context.stderrIsTerminal { context.err(String(format: "[%d/%d] %.4f", index + 1, total, running)) }
        }
        bar.finish()
        if json {
            context.out(JSONValue.object([("ppl", .double(report.final)), ("chunks", .int(report.running.count)),
                                          ("tokens", .int(tokens.count)), ("predictions", .int(report.predictions))]).serialized())
        } else {
            context.out(report.running.enumerated().map { String(format: "[%d]%.4f", $0.offset + 1, $0.element) }.joined(separator: ","))
            context.out(String(format: "Final estimate: PPL = %.4f over %d chunks of %d tokens", report.final, report.running.count, ctx))
        }
        if let p = flags.profiler { context.err(p.table(title: "profile (OWL_PROFILE=1)")) }
        return 0
    }
}
