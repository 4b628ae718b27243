import Checkpoint
import Foundation
import Governance
import Support

/// `owl inspect MODEL [--json]`: what a checkpoint holds.
enum InspectCommand: Command {
    static let name = "inspect"
    static let summary = "Show a model's architecture, tensors, tokenizer, license and hash"
    static let help = """
    Usage: owl inspect MODEL [--json]

    Reads a checkpoint without loading it for inference and prints a summary: format, architecture,
    parameter count, tensor types with counts and bytes, context length, tokenizer kind, whether a chat
    template is present, license fields, and the sha256 of the weights.

    MODEL is a catalog name (smollm2-135m-instruct, gemma3-270m, all-minilm-l6-v2), a .gguf file, or a
    Hugging Face folder (config.json + *.safetensors).

    Options:
      --json    print one JSON object (keys: path, format, architecture, parameter_count, tensor_count,
                tensor_types, license, sha256, metadata, template_findings, ...) for scripts

    The chat template is scanned for content that does not belong in role markup (hidden instructions,
    URLs, invisible Unicode, hard-coded tool calls, very long literal text); findings are listed.

    Example:
      owl inspect smollm2-135m-instruct
      owl inspect ./models/my-model.gguf --json | jq .tensor_types
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(name, "expected one MODEL, got \(positionals.count)") }
        let model = try context.locator.resolve(positionals[0])
        let bar = ProgressBar("hashing", enabled: context.stderrIsTerminal && !json)
        let summary = try ModelSummary.make(for: model) { bar.update($0, $1) }
        bar.finish()
        let findings = templateFindings(summary)
        if json {
            guard case .object(var pairs) = summary.json else { return 1 }
            pairs.append(("template_findings", .array(findings.map(\.json))))
            context.out(JSONValue.object(pairs).serialized(pretty: true))
        } else {
            context.out(text(summary))
            if summary.hasChatTemplate {
                context.out("template scan: " + (findings.isEmpty ? "clean" : "\(findings.count) finding(s)"))
                for f in findings { context.out("  [\(f.severity.rawValue)] \(f.kind.rawValue) at byte \(f.offset): \(f.detail) — \"\(f.excerpt)\"") }
            }
        }
        return 0
    }

    /// Scans the chat template (GGUF `tokenizer.chat_template`, or `chat_template` in tokenizer_config.json).
    static func templateFindings(_ s: ModelSummary) -> [TemplateFinding] {
        var template: String?
        if s.format == .gguf, let v = s.metadata.first(where: { $0.0 == "tokenizer.chat_template" })?.1, case .string(let t) = v { template = t }
        if s.format == .huggingFace, let d = FileManager.default.contents(atPath: s.path + "/tokenizer_config.json"),
           let obj = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] { template = obj["chat_template"] as? String }
        return template.map(ChatTemplateScanner.scan) ?? []
    }

    static func text(_ s: ModelSummary) -> String {
        func bytes(_ n: Int) -> String {
            n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / 1048576) : String(format: "%.1f KiB", Double(n) / 1024)
        }
        func params(_ n: Int) -> String {
            n >= 1_000_000_000 ? String(format: "%.2fB", Double(n) / 1e9) : String(format: "%.1fM", Double(n) / 1e6)
        }
        var lines: [String] = []
        lines.append("path:          \(s.path)")
        lines.append("format:        \(s.format.rawValue)" + (s.ggufVersion.map { " v\($0)" } ?? "") + " (\(bytes(s.fileBytes)))")
        lines.append("architecture:  \(s.architecture ?? "unknown")" + (s.modelName.map { " — \($0)" } ?? ""))
        lines.append("parameters:    \(params(s.parameterCount)) in \(s.tensorCount) tensors")
        for t in s.tensorTypes {
            lines.append("  \(t.type.padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(t.count).leftPad(5)) tensors  \(bytes(t.bytes))")
        }
        lines.append("context:       \(s.contextLength.map(String.init) ?? "unknown") tokens")
        lines.append("tokenizer:     \(s.tokenizer ?? "none")")
        lines.append("chat template: \(s.hasChatTemplate ? "yes" : "no")")
        var lic = s.license.id ?? "none stated"
        if let n = s.license.name { lic += " (\(n))" }
        if let src = s.license.source { lic += "  [from \(src)]" }
        lines.append("license:       \(lic)")
        if let link = s.license.link { lines.append("license link:  \(link)") }
        for (f, h) in s.sha256 { lines.append("sha256:        \(h)  \(f)") }
        lines.append("metadata:      \(s.metadata.count) keys (use --json to see them all)")
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
