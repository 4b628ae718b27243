import Foundation
import Store
import Support

/// `owl verify NAME`: rehashes every file of a model.
enum VerifyCommand: Command {
    static let name = "verify"
    static let summary = "Rehash a model's files and compare them with its manifest"
    static let help = """
    Usage: owl verify NAME... [--all] [--json]

    Rehashes every file of the model and checks that each store link points at the blob of its recorded
    hash. Loading commands run a fast check (size, modification time, recorded hash); verify reads every
    byte and catches changes that kept the size and time. Exit status 1 when any file fails.

    Options:
      --all     verify every installed model
      --json    print {model, ok, files: [{path, ok, problem}]} per model

    Example:
      owl verify gemma3-270m
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let all = args.flag("--all")
        var names = try args.positionals()
        if all { names = context.store.list().map(\.name) }
        guard !names.isEmpty else { throw CLIError.usage(Self.name, "expected a model NAME or --all") }
        var ok = true
        var out: [JSONValue] = []
        for name in names {
            let bar = ProgressBar("verifying \(name)", enabled: context.stderrIsTerminal && !json)
            let r = try context.store.verify(name) { _, d, t in bar.update(d, t) }
            bar.finish()
            ok = ok && r.ok
            if json {
                out.append(.object([("model", .string(name)), ("ok", .bool(r.ok)), ("files", .array(r.entries.map {
                    .object([("path", .string($0.path)), ("ok", .bool($0.ok)), ("problem", $0.problem.map(JSONValue.string) ?? .null)])
                }))]))
            } else {
                for e in r.entries where !e.ok { context.err("FAILED \(name)/\(e.path): \(e.problem ?? "")") }
                context.out("\(name): " + (r.ok ? "ok (\(r.entries.count) files rehashed)" : "FAILED: \(r.entries.filter { !$0.ok }.count) of \(r.entries.count) files differ from the manifest"))
            }
        }
        if json { context.out(JSONValue.array(out).serialized(pretty: true)) }
        return ok ? 0 : 1
    }
}
