import Engine
import Foundation
import Kernels
import Sampling

/// Sampling and generation flags shared by `owl run` and `owl chat`, with their defaults.
struct GenerationFlags {
    var sampler = SamplerConfig()
    var options = GenerationOptions()
    var stops: [String] = []
    var contextLength = 4096
    var threads = 2
    var reference = false
    /// Per-op timing of the forward passes: on with `OWL_PROFILE=1` (or `owl bench --profile`).
    var profiler: Profiler? = ProcessInfo.processInfo.environment["OWL_PROFILE"] == "1" ? Profiler() : nil

    static let help = """
      --temp T               temperature (default 0.8; 0 = greedy)
      --top-k K              keep the K most likely tokens (default 40; 0 = off)
      --top-p P              nucleus sampling mass (default 0.95; 1 = off)
      --min-p P              drop tokens below P × the top probability (default 0.05; 0 = off)
      --repeat-penalty R     penalize the last 64 tokens (default 1.0 = off)
      --presence-penalty X   subtract X from tokens already generated (default 0)
      --frequency-penalty X  subtract X × count of each generated token (default 0)
      --seed N               random seed; the same seed gives the same text (default: random)
      --stop TEXT            stop before TEXT (repeatable)
      -n, --max-tokens N     most tokens to generate (default 256)
      --ctx N                context window in tokens (default 4096, at most the model's)
      --threads N            worker threads (default: the number of cores)
      --ignore-eos           keep generating past end-of-text tokens
      --truncate             when the prompt does not fit, keep its start and end instead of failing
      --reference            exact float math on dequantized weights (slow; for checking)
    """

    /// Reads every generation flag from `args`.
    static func parse(_ args: inout Arguments, cores: Int) throws -> GenerationFlags {
        var f = GenerationFlags()
        f.threads = cores
        if let t = try args.double("--temp", "--temperature", in: 0...100) { f.sampler.temperature = Float(t) }
        if let k = try args.int("--top-k", in: 0...1_000_000) { f.sampler.topK = k == 0 ? nil : k }
        if let p = try args.double("--top-p", in: 0...1) { f.sampler.topP = p >= 1 ? nil : Float(p) }
        if let p = try args.double("--min-p", in: 0...1) { f.sampler.minP = p <= 0 ? nil : Float(p) }
        if let r = try args.double("--repeat-penalty", in: 0.01...100) { f.sampler.repeatPenalty = Float(r) }
        if let x = try args.double("--presence-penalty", in: -100...100) { f.sampler.presencePenalty = Float(x) }
        if let x = try args.double("--frequency-penalty", in: -100...100) { f.sampler.frequencyPenalty = Float(x) }
        if let s = try args.option("--seed") {
            guard let v = UInt64(s) else { throw CLIError.usage(args.command, "--seed must be a non-negative integer, got '\(s)'") }
            f.sampler.seed = v
        }
        while let s = try args.optionOnce("--stop") { f.stops.append(s) }
        if let n = try args.int("-n", "--max-tokens", in: 0...1_000_000) { f.options.maxTokens = n }
        if let c = try args.int("--ctx", "-c", in: 8...1_048_576) { f.contextLength = c }
        if let t = try args.int("--threads", "-t", in: 1...512) { f.threads = t }
        f.options.ignoreEOS = args.flag("--ignore-eos")
        f.options.truncatePrompt = args.flag("--truncate")
        f.reference = args.flag("--reference")
        return f
    }
}
