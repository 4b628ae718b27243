import Checkpoint
import Kernels
import Foundation

/// Wraps `ModelLocator` so `CLIContext` does not import Checkpoint's type into every command file.
struct ModelLocatorBox {
    let locator: ModelLocator
    func resolve(_ name: String) throws -> ResolvedModel { try locator.resolve(name) }
}

enum OwlCLI {
    static let version = "0.1.0"

    static func main(_ argv: [String], environment: [String: String]) -> Int32 {
        let context = CLIContext(environment: environment,
                                 locator: ModelLocatorBox(locator: .fromEnvironment(environment)),
                                 stderrIsTerminal: isatty(2) == 1, stdinIsTerminal: isatty(0) == 1)
        guard let first = argv.first, first != "--help", first != "-h", first != "help" || argv.count == 1 else {
            if argv.count == 2, argv[0] == "help", let c = CommandRegistry.find(argv[1]) { context.out(c.help); return 0 }
            context.out(usage())
            return 0
        }
        do { _ = try KernelPath.configured(environment: environment) } catch {
            context.err("owl: \(error)")
            return 2
        }
        if first == "--version" || first == "-V" || first == "version" {
            context.out(versionText())
            return 0
        }
        guard let command = CommandRegistry.find(first) else {
            context.err("owl: unknown command '\(first)'. Commands: \(CommandRegistry.all.map { $0.name }.joined(separator: ", ")). Run `owl --help`.")
            return 2
        }
        var args = Arguments(Array(argv.dropFirst()), command: command.name)
        if args.flag("--help", "-h") { context.out(command.help); return 0 }
        do {
            return try command.run(&args, context)
        } catch let e as CLIError {
            context.err("owl \(command.name): \(e)")
            return 2
        } catch {
            context.err("owl \(command.name): \(error)")
            return 1
        }
    }

    static func usage() -> String {
        var s = """
        owl \(version): run, serve, adapt, evaluate and govern open-weight LLMs on your own machine.

        Usage: owl COMMAND [ARGS] [--json]

        Commands:

        """
        let width = CommandRegistry.all.map { $0.name.count }.max() ?? 8
        for c in CommandRegistry.all {
            s += "  " + c.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + c.summary + "\n"
        }
        s += """

        A MODEL is a catalog name (\(Catalog.entries.map(\.name).joined(separator: ", "))), a path to a .gguf
        file, or a path to a Hugging Face folder. Models live in $OWL_HOME (default ~/.owl); `make models`
        installs the catalog; `owl pull NAME` fetches one, `owl list` shows what is installed.

        Run `owl COMMAND --help` for a command's flags and examples. `owl --version` prints the version.
        """
        return s
    }

    static func versionText() -> String {
        "owl \(version) (commit \(BuildInfo.commit), kernels: \(BuildInfo.kernelPath))"
    }
}
