/// Every `owl` subcommand, in the order `owl --help` lists them. Add a command with one line here.
enum CommandRegistry {
    static let all: [any Command.Type] = [
        RunCommand.self,
        ChatCommand.self,
        EmbedCommand.self,
        PerplexityCommand.self,
        BenchCommand.self,
        TokenizeCommand.self,
        InspectCommand.self,
        PullCommand.self,
        ImportCommand.self,
        ListCommand.self,
        ShowCommand.self,
        RemoveCommand.self,
        VerifyCommand.self,
        LicenseCommand.self,
        PolicyCommand.self,
        BomCommand.self,
        ServeCommand.self,
        KeysCommand.self,
        AuditCommand.self,
    ]

    static func find(_ name: String) -> (any Command.Type)? { all.first { $0.name == name } }
}
