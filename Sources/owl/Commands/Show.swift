import Foundation
import Store
import Support

/// `owl show NAME`: one installed model's manifest.
enum ShowCommand: Command {
    static let name = "show"
    static let summary = "Show an installed model's manifest: source, files, hashes, license"
    static let help = """
    Usage: owl show NAME [--json]

    Prints the manifest of an installed model: where it came from, when and how it arrived, its files with
    sha256 and size, format, architecture and the license recorded at arrival. `owl license NAME`
    explains the license; `owl verify NAME` rehashes the files.

    Options:
      --json    print the manifest as JSON

    Example:
      owl show gemma3-270m
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(Self.name, "expected one NAME, got \(positionals.count)") }
        let m = try context.store.manifest(positionals[0])
        if json { context.out(m.json.serialized(pretty: true)); return 0 }
        var lines = [
            "name:          \(m.name)",
            "source:        \(m.source)",
            "format:        \(m.format)",
            "architecture:  \(m.architecture ?? "not recorded (see `owl inspect \(m.name)`)")",
            "license:       \(m.license?.id ?? "unknown")" + (m.license?.from.map { "  [from \($0)]" } ?? ""),
            "size:          \(humanBytes(m.size ?? m.files.reduce(0) { $0 + $1.size }))",
            "installed:     \(m.installedAt) by \(m.installedBy)",
            "files:",
        ]
        for f in m.files { lines.append("  \(f.sha256)  \(humanBytes(f.size).leftPad(10))  \(f.path)") }
        if let s = m.sourceSHA256 { lines.append("fetched:       " + s.joined(separator: "\n               ")) }
        context.out(lines.joined(separator: "\n"))
        return 0
    }
}
