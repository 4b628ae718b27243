import Foundation
import Governance
import Store
import Support

/// Helpers the store and governance commands share.
extension CLIContext {
    /// The model store at `$OWL_HOME`.
    var store: ModelStore { ModelStore(home: locator.locator.home) }

    /// Prints a gate warning to stderr (nothing for a plain allow).
    func report(_ d: Decision) {
        if d.outcome == .warn { err(d.message) }
    }

    /// Prints chat-template findings to stderr, one a line.
    func report(templateFindings: [TemplateFinding], model: String) {
        guard !templateFindings.isEmpty else { return }
        err("warning: the chat template of \(model) has \(templateFindings.count) suspicious finding(s); review it (`owl inspect \(model)`):")
        for f in templateFindings { err("  [\(f.severity.rawValue)] \(f.kind.rawValue) at byte \(f.offset): \(f.detail) — \"\(f.excerpt)\"") }
    }
}

/// Byte counts for people.
func humanBytes(_ n: Int) -> String {
    if n >= 1 << 30 { return String(format: "%.2f GiB", Double(n) / Double(1 << 30)) }
    if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }
    if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / 1024) }
    return "\(n) B"
}

extension Manifest {
    /// The manifest as ordered JSON for `--json` output.
    var json: JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        return .object([
            ("name", .string(name)), ("source", .string(source)), ("format", .string(format)), ("architecture", opt(architecture)),
            ("license", license.map { .object([("id", opt($0.id)), ("from", opt($0.from)), ("name", opt($0.name)), ("link", opt($0.link))]) } ?? .null),
            ("size", .int(size ?? files.reduce(0) { $0 + $1.size })),
            ("files", .array(files.map { .object([("path", .string($0.path)), ("sha256", .string($0.sha256)), ("size", .int($0.size))]) })),
            ("source_sha256", sourceSHA256.map { .array($0.map(JSONValue.string)) } ?? .null),
            ("installed_at", .string(installedAt)), ("installed_by", .string(installedBy)),
        ])
    }
}
