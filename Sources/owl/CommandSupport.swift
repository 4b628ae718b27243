import Checkpoint
import Engine
import Foundation
import Models
import Store
import Support
import Synchronization

/// Reads a prompt from positionals, `-f FILE` or `-` (standard input, byte for byte).
enum PromptInput {
    static func read(positionals: [String], file: String?, command: String) throws -> String {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError.failed("cannot read \(file); check the path") }
            return try utf8(data, what: file)
        }
        if positionals == ["-"] {
            return try utf8(FileHandle.standardInput.readDataToEndOfFile(), what: "standard input")
        }
        guard !positionals.isEmpty else { throw CLIError.usage(command, "expected a PROMPT, -f FILE or - (standard input)") }
        return positionals.joined(separator: " ")
    }

    static func utf8(_ data: Data, what: String) throws -> String {
        guard let s = String(data: data, encoding: .utf8) else { throw EngineError.invalidUTF8(what: what) }
        return s
    }
}

/// Set by Ctrl-C (SIGINT) so a generation can stop between tokens; a second Ctrl-C while idle quits.
final class InterruptFlag: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    private let source: DispatchSourceSignal

    private init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    }

    static func install(onIdle: (@Sendable () -> Void)? = nil) -> InterruptFlag {
        let f = InterruptFlag()
        f.source.setEventHandler { [f] in
            if f.flag.load(ordering: .relaxed), let onIdle { onIdle() }
            f.flag.store(true, ordering: .relaxed)
        }
        f.source.resume()
        return f
    }

    var isSet: Bool { flag.load(ordering: .relaxed) }
    func clear() { flag.store(false, ordering: .relaxed) }
}

/// Resolves, checks and loads a generation model for the CLI.
enum ModelOpener {
    /// Resolves `name` and clears it for loading: the store's integrity check and the license policy
    /// gate (recorded in $OWL_HOME/governance/decisions.jsonl). A warning goes to stderr.
    static func clear(_ name: String, command: String, context: CLIContext) throws -> ResolvedModel {
        let resolved = try context.locator.resolve(name)
        let decision = try ModelStore(home: context.locator.locator.home).clearForLoading(resolved, command: command)
        if decision.outcome == .warn { context.err("owl \(command): \(decision.message)") }
        return resolved
    }

    static func open(_ name: String, flags: GenerationFlags, context: CLIContext, command: String) throws -> LoadedModel {
        let resolved = try clear(name, command: command, context: context)
        let options = LoadOptions(mode: flags.reference ? .reference : .fast, threads: flags.threads, profiler: flags.profiler)
        return try LoadedModel(resolved, options: options)
    }
}

/// Output shapes of `owl run`.
enum RunOutput {
    static func speedLine(_ t: GenerationTimings) -> String {
        String(format: "prompt: %d tokens (%d cached) in %.0f ms, %.1f tokens/s | generation: %d tokens in %.0f ms, %.1f tokens/s | load %.0f ms",
               t.promptTokens, t.cachedPromptTokens, t.promptMilliseconds, t.promptTokensPerSecond,
               t.generatedTokens, t.generationMilliseconds, t.generationTokensPerSecond, t.loadMilliseconds)
    }

    static func json(_ r: GenerationResult, timings t: GenerationTimings, logprobs: Bool) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("text", .string(r.text)),
            ("tokens", .array(r.tokens.map { .int(Int($0)) })),
            ("prompt_tokens", .int(t.promptTokens)),
            ("finish_reason", .string(r.finishReason.rawValue)),
            ("timings", .object([
                ("load_ms", .double(t.loadMilliseconds)),
                ("prompt_ms", .double(t.promptMilliseconds)),
                ("prompt_tokens_per_s", .double(t.promptTokensPerSecond)),
                ("generation_ms", .double(t.generationMilliseconds)),
                ("generation_tokens_per_s", .double(t.generationTokensPerSecond)),
            ])),
        ]
        if logprobs {
            fields.append(("logprobs", .array(r.logprobs.map { chosen, top in
                .object([("logprob", .double(Double(chosen))),
                         ("top", .array(top.map { .object([("id", .int(Int($0.id))), ("logprob", .double(Double($0.logprob)))]) }))])
            })))
        }
        return .object(fields)
    }
}
