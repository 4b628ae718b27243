import AccessControl
import AuditLog
import Foundation
import Support

/// `owl keys create|list|revoke`: API keys for `owl serve`.
enum KeysCommand: Command {
    static let name = "keys"
    static let summary = "Create, list and revoke API keys for `owl serve`"
    static let help = """
    Usage: owl keys create --name NAME [--models M1,M2] [--rpm N] [--tpm N] [--admin] [--json]
           owl keys list [--json]
           owl keys revoke NAME

    API keys let clients use `owl serve`: each request sends `Authorization: Bearer KEY`. A key is 256
    random bits, shown once when it is created; Owl stores only its SHA-256, in $OWL_HOME/owl.db
    (default ~/.owl/owl.db), so a lost key cannot be shown again: revoke it and create another.
    A running server notices new and revoked keys within about a second.

    create options:
      --name NAME     what the key is called in `keys list` and in audit records (letters, digits, - _ .)
      --models LIST   models the key may see and use, comma-separated (default: all); other models
                      are "not found" to it
      --rpm N         requests per minute (default: unlimited); over the limit the server answers 429
                      with Retry-After
      --tpm N         prompt + completion tokens per minute (default: unlimited)
      --admin         the key may also read /metrics and /api/ps and manage keys over HTTP
      --json          print {"name", "key"} as JSON

    Key changes are recorded in the audit log ($OWL_HOME/audit.db) without the key itself.

    Examples:
      owl keys create --name laptop
      owl keys create --name ci --models smollm2-135m-instruct --rpm 60 --tpm 20000
      owl keys create --name ops --admin
      owl keys revoke laptop
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let keyName = try args.option("--name")
        let models = try args.option("--models")
        let rpm = try args.int("--rpm", in: 1...Int(Int32.max))
        let tpm = try args.int("--tpm", in: 1...Int(Int32.max))
        let admin = args.flag("--admin")
        let positionals = try args.positionals()
        guard let sub = positionals.first else { throw CLIError.usage(name, "expected create, list or revoke") }
        let home = OwlHome(context.environment)
        let store = try KeyStore(path: try home.ensure() + "/owl.db")
        switch sub {
        case "create":
            guard positionals.count == 1 else { throw CLIError.usage(name, "unexpected \(positionals.dropFirst().joined(separator: " "))") }
            guard let keyName else { throw CLIError.usage(name, "create needs --name NAME") }
            let list = models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            let secret = try store.create(name: keyName, models: list, requestsPerMinute: rpm, tokensPerMinute: tpm, isAdmin: admin)
            try recordChange(home, "created", keyName, detail: [("models", list.map { .array($0.map(JSONValue.string)) } ?? .null),
                                                                ("rpm", rpm.map(JSONValue.int) ?? .null), ("tpm", tpm.map(JSONValue.int) ?? .null),
                                                                ("admin", .bool(admin))])
            if json {
                context.out(JSONValue.object([("name", .string(keyName)), ("key", .string(secret))]).serialized())
            } else {
                context.out(secret)
                context.err("Created key '\(keyName)'. This is the only time it is shown: store it now.")
            }
            return 0
        case "list":
            let keys = try store.list()
            if json {
                context.out(JSONValue.array(keys.map { k in
                    .object([("name", .string(k.name)), ("models", k.models.map { .array($0.map(JSONValue.string)) } ?? .null),
                             ("rpm", k.requestsPerMinute.map(JSONValue.int) ?? .null), ("tpm", k.tokensPerMinute.map(JSONValue.int) ?? .null),
                             ("admin", .bool(k.isAdmin)), ("created_at", .int(Int(k.createdAt))),
                             ("revoked_at", k.revokedAt.map { .int(Int($0)) } ?? .null)])
                }).serialized(pretty: true))
                return 0
            }
            if keys.isEmpty { context.out("no keys; create one with `owl keys create --name NAME`"); return 0 }
            context.out("NAME".padding(toLength: 20, withPad: " ", startingAt: 0) + "ADMIN  RPM     TPM       MODELS           STATE")
            for k in keys {
                let state = k.revokedAt == nil ? "active" : "revoked"
                context.out(k.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + (k.isAdmin ? "yes    " : "no     ")
                    + (k.requestsPerMinute.map(String.init) ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0)
                    + (k.tokensPerMinute.map(String.init) ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0)
                    + (k.models?.joined(separator: ",") ?? "all").padding(toLength: 17, withPad: " ", startingAt: 0)
                    + state)
            }
            return 0
        case "revoke":
            guard positionals.count == 2 else { throw CLIError.usage(name, "revoke needs the key's NAME") }
            try store.revoke(name: positionals[1])
            try recordChange(home, "revoked", positionals[1], detail: [])
            context.out("revoked key '\(positionals[1])'")
            return 0
        default:
            throw CLIError.usage(name, "unknown subcommand '\(sub)'; expected create, list or revoke")
        }
    }

    static func recordChange(_ home: OwlHome, _ what: String, _ keyName: String, detail: [(String, JSONValue)]) throws {
        let log = try AuditLog.open(home: home.path)
        try log.record(kind: .keyChange, decision: what, detail: .object([("name", .string(keyName))] + detail),
                       keyName: keyName, client: "cli", endpoint: "owl keys")
    }
}
