import Digest
import Foundation
import Governance
import Store

/// `owl bom MODEL`: an AI bill of materials.
enum BomCommand: Command {
    static let name = "bom"
    static let summary = "Export an AI bill of materials (CycloneDX 1.6 or SPDX 3.0)"
    static let help = """
    Usage: owl bom MODEL [--format cyclonedx|spdx] [--output FILE]

    Writes an AI bill of materials for the model: CycloneDX 1.6 JSON (default) with a
    machine-learning-model component — sha256 hashes of the weights and every file, the license (SPDX id
    or named license with its URL), a model card (architecture, parameter count, quantization, context
    length, datasets where known), base models as pedigree ancestors — or an SPDX 3.0.1 JSON-LD document
    with the model as an AI package. For a model given by path the weights are hashed first.

    Options:
      --format F     cyclonedx (default) or spdx
      --output FILE  write to FILE instead of stdout

    Example:
      owl bom smollm2-135m-instruct --output smollm2.cdx.json
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let format = try args.option("--format") ?? "cyclonedx"
        let output = try args.option("--output", "-o")
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(Self.name, "expected one MODEL, got \(positionals.count)") }
        guard ["cyclonedx", "spdx"].contains(format) else { throw CLIError.usage(Self.name, "--format must be cyclonedx or spdx, got '\(format)'") }
        let facts = try LicenseCommand.facts(positionals[0], context)
        var sha: String?
        if facts.sha256 == nil, facts.format == .gguf { sha = try SHA256.hexOfFile(at: facts.path) }
        let subject = facts.bomSubject(weightsSHA256: sha)
        let now = ISO8601DateFormatter().string(from: Date())
        let doc = format == "spdx" ? BOM.spdx(subject, now: now, toolVersion: OwlCLI.version)
                                   : BOM.cycloneDX(subject, now: now, toolVersion: OwlCLI.version)
        let text = doc.serialized(pretty: true)
        if let output {
            do { try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw CLIError.failed("cannot write \(output): \(error.localizedDescription)")
            }
            context.err("wrote \(format) BOM for \(facts.name) to \(output)")
        } else {
            context.out(text)
        }
        return 0
    }
}
