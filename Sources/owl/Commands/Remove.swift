import Foundation
import Store

/// `owl rm NAME`: removes a model and the blobs no other model uses.
enum RemoveCommand: Command {
    static let name = "rm"
    static let summary = "Remove a model from the store"
    static let help = """
    Usage: owl rm NAME

    Removes models/NAME (its manifest first, so an interrupted removal never leaves a model that looks
    installed), then deletes the blobs no other installed model uses. Acknowledgments and recorded
    decisions in $OWL_HOME/governance are kept.

    Example:
      owl rm tinyllama
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(Self.name, "expected one NAME, got \(positionals.count)") }
        let freed = try context.store.remove(positionals[0])
        context.out("\(positionals[0]): removed (\(humanBytes(freed)) of blobs freed)")
        return 0
    }
}
