import Engine
import Foundation
import Kernels
import Models
import Support

/// `owl bench MODEL`: prompt processing and generation speed, measured like llama-bench.
enum BenchCommand: Command {
    static let name = "bench"
    static let summary = "Measure prompt processing and generation speed (like llama-bench)"
    static let help = """
    Usage: owl bench MODEL [-p 512] [-n 128] [-t THREADS] [-r 5] [--json] [--reference] [--profile]

    pp: one batch of -p prompt tokens from an empty cache; tg: -n tokens decoded one at a time from an
    empty cache. Each test runs -r times after one warm-up run; prints mean ± standard deviation in
    tokens per second, and the peak resident memory of the process.

    Options:
      -p N           prompt tokens (default 512; 0 skips pp)
      -n N           generated tokens (default 128; 0 skips tg)
      -t, --threads N  worker threads (default: the number of cores)
      -r N           repetitions (default 5)
      --reference    the exact-math path instead of the fast path
      --profile      time each op kind (matmul per weight type, attention, norms, RoPE, activations, ...)
                     over the measured runs and print a table per test (under --json: "profile")
      --json         print {"pp_tokens_per_s", "pp_sd", "tg_tokens_per_s", "tg_sd", "peak_rss_bytes", ...}

    Example:
      owl bench smollm2-135m-instruct -p 512 -n 128 -t 2
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let p = try args.int("-p", in: 0...65536) ?? 512
        let n = try args.int("-n", in: 0...65536) ?? 128
        let reps = try args.int("-r", in: 1...1000) ?? 5
        var flags = GenerationFlags()
        flags.reference = args.flag("--reference")
        if args.flag("--profile") { flags.profiler = Profiler() }
        let profiler = flags.profiler
        flags.threads = try args.int("-t", "--threads", in: 1...512) ?? ProcessInfo.processInfo.activeProcessorCount
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(name, "expected one MODEL") }
        let loaded = try ModelOpener.open(positionals[0], flags: flags, context: context, command: name)
        let model = loaded.model
        let vocab = Int32(model.config.vocabularySize)
        var rng = SystemRandomNumberGenerator()
        let cache = model.makeCache(maxTokens: max(p, n) + 1)

        func measure(_ body: () throws -> Void) rethrows -> [Double] {
            try body()  // warm-up
            profiler?.reset()
            var seconds: [Double] = []
            for _ in 0..<reps {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return seconds
        }
        var fields: [(String, JSONValue)] = [("model", .string(loaded.resolved.name)), ("threads", .int(flags.threads)),
                                             ("mode", .string(flags.reference ? "reference" : "fast"))]
        var lines: [String] = []
        var profiles: [(String, JSONValue)] = []
        func recordProfile(_ test: String) {
            guard let profiler else { return }
            profiles.append((test, .array(profiler.entries().map { e in
                .object([("op", .string(e.op.description)), ("ms", .double(e.seconds * 1000 / Double(reps))),
                         ("calls", .int(e.calls / reps)), ("percent", .double(e.fraction * 100))])
            })))
            lines.append(profiler.table(title: "\(test) profile (per run, mean of \(reps))", runs: reps))
        }
        if p > 0 {
            let tokens = (0..<p).map { _ in Int32.random(in: 0..<vocab, using: &rng) }
            let s = try measure { cache.reset(); _ = try model.forward(tokens: tokens, cache: cache) }
            let (mean, sd) = stats(s.map { Double(p) / $0 })
            fields += [("pp_tokens", .int(p)), ("pp_tokens_per_s", .double(mean)), ("pp_sd", .double(sd))]
            lines.append(String(format: "pp%-5d %10.2f ± %.2f tokens/s", p, mean, sd))
            recordProfile("pp\(p)")
        }
        if n > 0 {
            let tokens = (0..<n).map { _ in Int32.random(in: 0..<vocab, using: &rng) }
            let s = try measure {
                cache.reset()
                for t in tokens { _ = try model.forward(tokens: [t], cache: cache) }
            }
            let (mean, sd) = stats(s.map { Double(n) / $0 })
            fields += [("tg_tokens", .int(n)), ("tg_tokens_per_s", .double(mean)), ("tg_sd", .double(sd))]
            lines.append(String(format: "tg%-5d %10.2f ± %.2f tokens/s", n, mean, sd))
            recordProfile("tg\(n)")
        }
        let rss = peakRSSBytes()
        fields.append(("peak_rss_bytes", .int(rss)))
        if profiler != nil { fields.append(("profile", .object(profiles))) }
        if json {
            context.out(JSONValue.object(fields).serialized())
        } else {
            context.out("\(loaded.resolved.name), \(flags.threads) threads, \(flags.reference ? "reference" : "fast") path, \(reps) runs")
            lines.forEach(context.out)
            context.out(String(format: "peak RSS %.1f MiB", Double(rss) / 1048576))
        }
        return 0
    }

    static func stats(_ xs: [Double]) -> (Double, Double) {
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.count > 1 ? xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1) : 0
        return (mean, variance.squareRoot())
    }

    static func peakRSSBytes() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}
