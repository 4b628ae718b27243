import Foundation

// Entry point: `owl COMMAND ...`. The table of commands is in Commands/Registry.swift.
let status = OwlCLI.main(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(status)
