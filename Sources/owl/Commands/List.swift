import Foundation
import Store
import Support

/// `owl list`: the installed models.
enum ListCommand: Command {
    static let name = "list"
    static let summary = "List the models in the store"
    static let help = """
    Usage: owl list [--json]

    Lists the models installed in $OWL_HOME/models: name, format, architecture, size, license (and where
    the license was read from) and when it arrived. `owl show NAME` gives the details of one.

    Options:
      --json    print a JSON array of manifests

    Example:
      owl list
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let positionals = try args.positionals()
        guard positionals.isEmpty else { throw CLIError.usage(Self.name, "takes no arguments") }
        let models = context.store.list()
        if json { context.out(JSONValue.array(models.map(\.json)).serialized(pretty: true)); return 0 }
        if models.isEmpty { context.out("no models installed in \(context.store.modelsDir); `owl pull smollm2-135m-instruct` installs one"); return 0 }
        let width = max(4, models.map(\.name.count).max() ?? 4)
        context.out("NAME".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "FORMAT       ARCH       SIZE        LICENSE                 INSTALLED")
        for m in models {
            let lic = (m.license?.id ?? "unknown") + (m.license?.from.map { " (\($0))" } ?? "")
            context.out(m.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                + m.format.padding(toLength: 13, withPad: " ", startingAt: 0)
                + (m.architecture ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0)
                + humanBytes(m.size ?? 0).padding(toLength: 12, withPad: " ", startingAt: 0)
                + lic.padding(toLength: 24, withPad: " ", startingAt: 0) + m.installedAt)
        }
        return 0
    }
}
