import Foundation

/// One `owl` subcommand. Commands are thin: they parse arguments, call the library modules, print.
protocol Command {
    /// The word after `owl`.
    static var name: String { get }
    /// One line for `owl --help`.
    static var summary: String { get }
    /// The full `owl NAME --help` text: usage, what it does, flags with defaults, an example.
    static var help: String { get }
    /// Runs the command; returns the exit status. Errors thrown are printed as `owl NAME: message`.
    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32
}

/// What every command may use: the environment and output streams (passed in, no globals).
struct CLIContext {
    let environment: [String: String]
    let locator: ModelLocatorBox
    /// True when stderr is a terminal (progress bars draw only then).
    let stderrIsTerminal: Bool
    /// True when stdin is a terminal (interactive prompts show then).
    let stdinIsTerminal: Bool

    func out(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
    func err(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    /// Writes `s` to stdout at once, without a newline (streamed tokens).
    func write(_ s: String) { if !s.isEmpty { FileHandle.standardOutput.write(Data(s.utf8)) } }
}
