import Foundation
import Store

/// `owl import PATH [--name NAME]`: copies a local model into the store.
enum ImportCommand: Command {
    static let name = "import"
    static let summary = "Copy a local .gguf file or Hugging Face folder into the model store"
    static let help = """
    Usage: owl import PATH [--name NAME] [--json]

    Copies a model into the store in $OWL_HOME: each file is hashed while it is copied into
    blobs/sha256-<hex>, then models/NAME/ links to the blobs and manifest.json is written last.
    PATH is a .gguf file (license, terms, NOTICE and README files beside it come along) or a Hugging Face
    folder (config.json + *.safetensors; every file in it, hidden files skipped).
    The original is left as it is. Afterwards the model is used by NAME: `owl run NAME`.

    Options:
      --name NAME   store name (lowercase letters, digits, '.', '_', '-'); default: from the file name
      --json        print the manifest as JSON

    Example:
      owl import ./downloads/tinyllama-q4_0.gguf --name tinyllama
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let name = try args.option("--name")
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(Self.name, "expected one PATH, got \(positionals.count)") }
        let bar = ProgressBar("copying", enabled: context.stderrIsTerminal && !json)
        let m = try context.store.importModel(from: positionals[0], name: name) { _, done, total in bar.update(done, total) }
        bar.finish()
        if json { context.out(m.json.serialized(pretty: true)) } else {
            context.out("\(m.name): imported \(m.files.count) file(s), \(humanBytes(m.size ?? 0)), license \(m.license?.id ?? "unknown")")
        }
        return 0
    }
}
